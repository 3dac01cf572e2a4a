"""Field types shared by every element of the topology document.

Each type carries the rule about its one field (length, character set), so a bad value is
refused where it is parsed, with the field's path in the error.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

# Element ids are stable across revisions and are the only thing kernel names derive from.
ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,47}$"
# Display names: letters, digits, spaces and a few punctuation marks. No quotes, angle
# brackets, newlines or shell metacharacters: names are shown in HTML, in reports and in logs,
# and a name that needs escaping everywhere is a name that breaks somewhere. Letters are
# spelled out as ranges (ASCII, Latin-1 and Latin Extended, Greek, Cyrillic, CJK) rather than
# `\w`, which Python, pydantic's engine and JavaScript each read differently: the parser and
# the published JSON Schema must accept exactly the same names.
_NAME_CHAR = (
    r"A-Za-z0-9_.\-:+@/(),#"
    r"\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u0370-\u03FF\u0400-\u04FF\u4E00-\u9FFF"
)
NAME_PATTERN = rf"^(?:[{_NAME_CHAR}]|[{_NAME_CHAR}][{_NAME_CHAR} ]{{0,62}}[{_NAME_CHAR}])?$"
# Host and physical-network names come from the admin's host registry.
HOST_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
PHYSNET_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,31}$"
ROLE_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
# Addresses are kept as text: whether they are valid addresses is a validation finding, so a
# draft with a half-typed CIDR can still be saved. Only the character set is checked here.
ADDRESS_PATTERN = r"^[0-9A-Fa-f.:/]{1,49}$"
MAC_PATTERN = r"^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$"
IMAGE_PATTERN = r"^(?:[a-z0-9][a-z0-9._/-]{0,199}(?::[A-Za-z0-9_.-]{1,128})?)?$"

ElementId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(max_length=64, pattern=NAME_PATTERN)]
HostName = Annotated[str, StringConstraints(pattern=HOST_PATTERN)]
PhysicalNetwork = Annotated[str, StringConstraints(pattern=PHYSNET_PATTERN)]
RoleName = Annotated[str, StringConstraints(pattern=ROLE_PATTERN)]
Address = Annotated[str, StringConstraints(pattern=ADDRESS_PATTERN)]
MacAddress = Annotated[str, StringConstraints(pattern=MAC_PATTERN)]
Image = Annotated[str, StringConstraints(max_length=330, pattern=IMAGE_PATTERN)]
Description = Annotated[str, Field(max_length=2000)]

# Numbers whose range is a validation rule (VLAN ids, VNIs, VRRP ids) are parsed as bounded
# integers wide enough to hold any mistake a person makes, so the finding can name it.
WideInt = Annotated[int, Field(ge=-(2**31), le=2**32)]
TcpPort = Annotated[int, Field(ge=1, le=65535)]
Coordinate = Annotated[float, Field(ge=-1e7, le=1e7, allow_inf_nan=False)]

MAX_ELEMENTS = 100_000
MAX_LIST = 64
