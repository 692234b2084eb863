"""A push failure whose correlationIds lack only the identity: the factor registry may supply it."""

from __future__ import annotations

from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.messages import PushFailure


def with_registry_identity(failure: PushFailure, known: FactorRecord | None) -> PushFailure:
    """Fill a missing identity from the registry when it knows the factor under the same service; otherwise
    say in the correlation problem why it could not be filled (the decision then skips: ambiguous_ids)."""
    if failure.correlation_problem_code != "missing_identity" or not failure.factor_sid:
        return failure
    if known is None or not known.identity:
        problem = f"{failure.correlation_problem}, and the factor registry does not know {failure.factor_sid}"
        return failure.model_copy(update={"correlation_problem": problem})
    if known.service_sid != failure.service_sid:
        problem = f"{failure.correlation_problem}; the registry has {failure.factor_sid} under {known.service_sid}"
        return failure.model_copy(update={"correlation_problem": problem})
    resolved = {"identity": known.identity, "correlation_problem": None, "correlation_problem_code": None}
    return failure.model_copy(update=resolved)
