"""HTTP grammar shared by the header parsers (RFC 9110).

Only space and tab are optional whitespace around field values and list members (section 5.6.3): `str.strip()`
would also remove U+0085, U+00A0, U+3000 and the like, making `\\u3000*` read as `*`.
"""

OWS = " \t"
