"""Pure core of Truceline's tamper-evident log.

Every stored record becomes one leaf of an RFC 9162 (RFC 6962) Merkle log;
checkpoints are C2SP tlog-checkpoint signed notes (Ed25519) and witnesses add
C2SP tlog-cosignature/v1 lines. This package is pure — no I/O, no clock, no
randomness except :func:`generate_ed25519_signer` — so the storage layer can
wrap it in its own transactions and every result is reproducible in tests.

Modules, one concept each:

* ``hashing``   leaf/node hashes, the salted leaf envelope (``leaf_data``)
* ``subtrees``  which stored perfect subtrees a computation needs
* ``nodestore`` the ``NodeReader`` storage protocol, ``MemoryNodeStore``
* ``tree``      append, root, inclusion and consistency proofs from stored nodes
* ``verify``    RFC 9162 proof verification, independent of ``tree``
* ``keys``      signed-note key names, key IDs, vkeys/skeys, Ed25519
* ``note``      C2SP signed notes
* ``checkpoint`` C2SP tlog-checkpoint bodies
* ``cosignature`` C2SP tlog-cosignature/v1 (Ed25519, timestamped)
* ``witness``   the witness's accept / reject decision
* ``witness_protocol`` the tlog-witness add-checkpoint request body
"""

from .checkpoint import (
    Checkpoint,
    format_checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from .cosignature import (
    Cosignature,
    CosignatureSigner,
    CosignatureVerifier,
    cosign,
    cosignature_message,
    verify_cosignatures,
)
from .errors import (
    CheckpointError,
    CosignatureError,
    InvalidSignatureError,
    KeyFormatError,
    LeafError,
    LedgerError,
    MalformedNoteError,
    MissingNodeError,
    NoteError,
    ProofError,
    UnverifiedNoteError,
    WitnessRequestError,
)
from .hashing import (
    EMPTY_ROOT,
    HASH_SIZE,
    SALT_SIZE,
    LeafEnvelope,
    leaf_data,
    leaf_hash,
    markings_commitment,
    node_hash,
    parse_leaf_data,
    record_commitment,
)
from .keys import (
    Ed25519Signer,
    Ed25519Verifier,
    NoteSigner,
    NoteVerifier,
    generate_ed25519_signer,
    key_id,
    parse_verifier_key,
)
from .nodestore import MemoryNodeStore, NodeReader, NodeWriter
from .note import NoteSignature, VerifiedNote, open_note, parse_note, sign_note
from .subtrees import (
    NodeKey,
    append_sibling_keys,
    consistency_proof_keys,
    inclusion_proof_keys,
    root_keys,
)
from .tree import (
    consistency_proof,
    consistency_proof_from_nodes,
    inclusion_proof,
    inclusion_proof_from_nodes,
    merkle_tree_hash,
    nodes_to_store_on_append,
    nodes_to_store_on_append_batch,
    root_hash,
    root_hash_from_nodes,
)
from .verify import verify_consistency, verify_inclusion
from .witness import (
    TreeHead,
    WitnessDecision,
    WitnessVerdict,
    checkpoint_origin,
    witness_add_checkpoint,
    witness_decide,
)
from .witness_protocol import (
    AddCheckpointRequest,
    format_add_checkpoint_request,
    parse_add_checkpoint_request,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "SALT_SIZE",
    "AddCheckpointRequest",
    "Checkpoint",
    "CheckpointError",
    "Cosignature",
    "CosignatureError",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Ed25519Signer",
    "Ed25519Verifier",
    "InvalidSignatureError",
    "KeyFormatError",
    "LeafEnvelope",
    "LeafError",
    "LedgerError",
    "MalformedNoteError",
    "MemoryNodeStore",
    "MissingNodeError",
    "NodeKey",
    "NodeReader",
    "NodeWriter",
    "NoteError",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "ProofError",
    "TreeHead",
    "UnverifiedNoteError",
    "VerifiedNote",
    "WitnessDecision",
    "WitnessRequestError",
    "WitnessVerdict",
    "append_sibling_keys",
    "checkpoint_origin",
    "consistency_proof",
    "consistency_proof_from_nodes",
    "consistency_proof_keys",
    "cosign",
    "cosignature_message",
    "format_add_checkpoint_request",
    "format_checkpoint",
    "generate_ed25519_signer",
    "inclusion_proof",
    "inclusion_proof_from_nodes",
    "inclusion_proof_keys",
    "key_id",
    "leaf_data",
    "leaf_hash",
    "markings_commitment",
    "merkle_tree_hash",
    "node_hash",
    "nodes_to_store_on_append",
    "nodes_to_store_on_append_batch",
    "open_checkpoint",
    "open_note",
    "parse_add_checkpoint_request",
    "parse_checkpoint",
    "parse_leaf_data",
    "parse_note",
    "parse_verifier_key",
    "record_commitment",
    "root_hash",
    "root_hash_from_nodes",
    "root_keys",
    "sign_checkpoint",
    "sign_note",
    "verify_consistency",
    "verify_cosignatures",
    "verify_inclusion",
    "witness_add_checkpoint",
    "witness_decide",
]
