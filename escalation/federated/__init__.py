"""Many local authorities: pooled and federated analysis without sharing records.

Each authority runs :func:`build_share_pack` (``escalation share``) and sends the hub a
zip of aggregate, disclosure-controlled statistics; the hub checks that every pack used
the same design and pools them with :func:`pool_share_packs` (``escalation pool``):
random-effects meta-analysis and meta-regression (:func:`meta_analyse`), Cox models from
summed likelihood profiles (:func:`pool_profiles`), curves from summed risk-set tables
and a pooled Table 1. See ``docs/federated.md``.
"""

from escalation.federated.meta import MetaAnalysisResult, meta_analyse
from escalation.federated.pack import (
    SharePack,
    build_share_pack,
    design_hash,
    read_share_pack,
    write_share_pack,
)
from escalation.federated.profile import (
    LikelihoodProfile,
    PooledProfile,
    pool_profiles,
    profile_cox,
)

__all__ = [
    "LikelihoodProfile",
    "MetaAnalysisResult",
    "PooledProfile",
    "SharePack",
    "build_share_pack",
    "design_hash",
    "meta_analyse",
    "pool_profiles",
    "profile_cox",
    "read_share_pack",
    "write_share_pack",
]
