"""Free text compared as people read it, not byte for byte."""


def comparable_text(value) -> str:
    """`value` with LF line ends, no blanks at any line's end nor around the whole text; None is "".

    Browsers send a textarea's lines ending in CRLF and Django's form fields strip the text,
    while the API, imports and copies of a record keep LF and whatever blanks they were given:
    none of that is an edit anyone could see.
    """
    if value is None:
        return ""
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()
