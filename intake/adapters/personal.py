"""Personal fields sealed inside the event state with their subject's key (crypto-shredding).

The mapper seals, before the event is encoded (and before the store's own cipher, when set,
encrypts the whole state), each value that domain/personal.py names as personal, replacing it with

    {"__sealed__": "<subject id>", "v": "<base64 of nonce (12 bytes) + ciphertext + tag (16 bytes)>"}

or, for free text sealed for several subjects (domain/personal.py's `also`),

    {"__sealed__": "<subject id>", "also": ["<subject id>", ...], "v": "..."}

with AES-256 in OCB mode (OCB3, RFC 7253: authenticated encryption like GCM), the plaintext being
the value as compact JSON and "senim.personal.v1:<subject id>" the associated data. Sealed for
several subjects, the key is HKDF-SHA256 of their keys together (in the order listed) and the
associated data names them all ("<id>,<id>,..."): destroying any one of the keys erases the value.
A subject in `also` whose key is already gone (erased) is left out of what is written after. OCB rather than
GCM because pycryptodome (what eventsourcing[crypto] installs) sets a GCM cipher up in about 0.3 ms
and an OCB one in 0.03 ms; a contact seals up to five values and every read opens them again.
The sealed form is written once and never changes, so it hashes like any other stored content.

Reading opens each sealed value with its subject's key; a value whose key was destroyed (or that
cannot be opened) reads as None, so reads never fail. Projections that do not declare they need
personal fields get every sealed value as None without any key look-up (projections/base.py).
"""
import base64
import json
import logging
import os
from collections.abc import Callable

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF
from eventsourcing.persistence import Mapper
from eventsourcing.utils import get_topic

from domain.personal import ORIGINATOR, PERSONAL_FIELDS, PersonalFields, groups
from intake.adapters.keyring import Keyring, SubjectErased, subject_text

log = logging.getLogger(__name__)

SEALED = "__sealed__"
NONCE_BYTES = 12
TAG_BYTES = 16
ALSO = "also"
AAD_PREFIX = b"senim.personal.v1:"
JOINT_KEY_CONTEXT = b"senim.personal.joint.v1"
_MISSING = object()


def joint_key(keys: list[bytes]) -> bytes:
    """One key from several subjects' keys: computable only while every one of them exists."""
    if len(keys) == 1:
        return keys[0]
    return HKDF(b"".join(keys), 32, salt=JOINT_KEY_CONTEXT, hashmod=SHA256)


def subjects_of(sealed: dict) -> list[str]:
    """Every subject whose key a sealed value needs, the first one first."""
    return [sealed[SEALED], *sealed.get(ALSO, ())]


def seal(key: bytes, subject: str, value, also: list[str] | None = None) -> dict:
    """`key`: the subject's key, or joint_key of the keys of subject and `also`, in that order."""
    nonce = os.urandom(NONCE_BYTES)
    cipher = AES.new(key, AES.MODE_OCB, nonce=nonce)
    cipher.update(AAD_PREFIX + ",".join([subject, *(also or ())]).encode())
    ciphertext, tag = cipher.encrypt_and_digest(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    sealed: dict[str, object] = {SEALED: subject, "v": base64.b64encode(nonce + ciphertext + tag).decode("ascii")}
    if also:
        sealed[ALSO] = list(also)
    return sealed


def open_sealed(key: bytes, sealed: dict):
    """The value sealed with `key` (joint, for several subjects); ValueError when it was not (or was tampered with)."""
    raw = base64.b64decode(sealed["v"])
    nonce, ciphertext, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    cipher = AES.new(key, AES.MODE_OCB, nonce=nonce)
    cipher.update(AAD_PREFIX + ",".join(subjects_of(sealed)).encode())
    return json.loads(cipher.decrypt_and_verify(ciphertext, tag))


def is_sealed(value) -> bool:
    return isinstance(value, dict) and SEALED in value and "v" in value


def _get(state: dict, parts: list[str]):
    for part in parts:
        if not isinstance(state, dict) or part not in state:
            return _MISSING
        state = state[part]
    return state


def _replaced(state: dict, parts: list[str], value) -> dict:
    """A copy of `state` with the value at `parts` replaced; the dicts on the way are copied, not changed."""
    copy = dict(state)
    copy[parts[0]] = value if len(parts) == 1 else _replaced(state[parts[0]], parts[1:], value)
    return copy


def _set(state: dict, parts: list[str], value) -> None:
    for part in parts[:-1]:
        state = state[part]
    state[parts[-1]] = value


class PersonalDataError(ValueError):
    """An event holds personal values but names no subject to seal them for."""


class PersonalMapper(Mapper):
    """The library's mapper, sealing and opening personal fields per data subject."""

    def __init__(self, transcoder, compressor=None, cipher=None, *, keyring: Keyring,
                 personal_fields: dict | None = None):
        super().__init__(transcoder, compressor=compressor, cipher=cipher)
        self.keyring = keyring
        self.personal_fields = {topic: groups(entry) for topic, entry in
                                (PERSONAL_FIELDS if personal_fields is None else personal_fields).items()}
        self._paths = {topic: [[path.split(".") for path in spec.paths] for spec in specs]
                       for topic, specs in self.personal_fields.items()}

    def to_stored_event(self, domain_event):
        topic = get_topic(type(domain_event))
        specs = self.personal_fields.get(topic)
        if specs is not None:
            domain_event = self._sealed(domain_event, topic, specs)
        return super().to_stored_event(domain_event)

    def to_domain_event(self, stored_event):
        return self._opened(super().to_domain_event(stored_event), stored_event.topic, self.keyring.key_for_opening)

    def to_domain_event_without_personal_fields(self, stored_event):
        """The event with every sealed value as None: for read models, which never hold personal data."""
        return self._opened(super().to_domain_event(stored_event), stored_event.topic, lambda subject: None)

    def _sealed(self, domain_event, topic: str, specs: tuple[PersonalFields, ...]):
        state = dict(vars(domain_event))
        changed = False
        for spec, paths in zip(specs, self._paths[topic]):
            values = [(parts, value) for parts in paths
                      if (value := _get(state, parts)) is not _MISSING and value is not None and not is_sealed(value)]
            subject = state.get("originator_id") if spec.subject == ORIGINATOR else _get(state, spec.subject.split("."))
            if subject is _MISSING or subject is None:
                if values:
                    raise PersonalDataError(f"A {topic} event holds personal fields but no subject id at {spec.subject}.")
                continue
            if not values and not spec.registers:
                continue
            subject = subject_text(subject)
            keys = [self.keyring.key_for_sealing(subject, spec.kind)]
            also = []
            for other in self._also(state, spec, subject):
                key = self._also_key(other, spec.also_kind)
                if key is not None:  # an erased subject: what is written now is not theirs to erase
                    keys.append(key)
                    also.append(other)
            key = joint_key(keys)
            for parts, value in values:
                state = _replaced(state, parts, seal(key, subject, value, also))
                changed = True
        if not changed:
            return domain_event
        sealed_event = object.__new__(type(domain_event))
        object.__setattr__(sealed_event, "__dict__", state)
        return sealed_event

    def _also_key(self, subject: str, kind: str | None) -> bytes | None:
        if kind is None:
            return self.keyring.key_for_opening(subject)
        try:
            return self.keyring.key_for_sealing(subject, kind)
        except SubjectErased:
            return None

    @staticmethod
    def _also(state: dict, spec: PersonalFields, subject: str) -> list[str]:
        """The further subjects named at `spec.also`, once each, without the subject itself."""
        if spec.also is None:
            return []
        named = _get(state, spec.also.split("."))
        if named is _MISSING or not named:
            return []
        if not isinstance(named, (list, tuple)):
            named = [named]
        return [other for other in dict.fromkeys(subject_text(value) for value in named if value is not None)
                if other != subject]

    def _opened(self, event, topic: str, key_of: Callable[[str], bytes | None]):
        specs = self._paths.get(topic)
        if not specs:
            return event
        state = vars(event)
        keys: dict[str, bytes | None] = {}
        for paths in specs:
            for parts in paths:
                value = _get(state, parts)
                if not is_sealed(value):
                    continue  # not personal, or written before it was sealed: read as it is
                subjects = subjects_of(value)
                for subject in subjects:
                    if subject not in keys:
                        keys[subject] = key_of(subject)
                found = [subject_key for subject in subjects if (subject_key := keys[subject]) is not None]
                key = joint_key(found) if len(found) == len(subjects) else None  # one erased: unreadable
                _set(state, parts, self._open(key, value, topic))
        return event

    @staticmethod
    def _open(key: bytes | None, sealed: dict, topic: str):
        if key is None:
            return None
        try:
            return open_sealed(key, sealed)
        except (ValueError, KeyError, TypeError):
            log.warning("a sealed personal field of a %s event could not be opened with its subject's key", topic)
            return None
