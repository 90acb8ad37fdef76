"""The pure domain: the appeal record, the delivery states and their rules, campaign rules,
and the language and numbering knowledge every channel shares. No I/O and no I/O library."""
