"""`willing draft`: read a joint statement or a news report and propose the changes it implies.

Rule-based and offline (spaCy's blank English tokenizer, pycountry and a packaged lexicon);
see docs/draft.md. Depends on the scenario model, never the other way round.
"""

from willing.draft.apply import apply_to_scenario, ledger_text
from willing.draft.extract import Reading, Stance, read
from willing.draft.propose import Draft, Proposal, draft, propose
from willing.draft.text import MAX_CHARS, check_text, load_text

__all__ = ["MAX_CHARS", "Draft", "Proposal", "Reading", "Stance", "apply_to_scenario",
           "check_text", "draft", "ledger_text", "load_text", "propose", "read"]
