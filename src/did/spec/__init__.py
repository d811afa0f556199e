"""The DID specification as data: items, code lists and validation rules."""
