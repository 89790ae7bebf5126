"""The 422 answers for references that have no value: one code per reason, naming the
references and the env keys that use them, never a value."""

from __future__ import annotations

from mcp_console.core.errors import AppError
from mcp_console.secrets.fields import Problem
from mcp_console.secrets.refs import ParsedEnv, SecretRef

_SYNC = "sync runs at login, so log in again once it is changed in Bitwarden"
# Problem -> (message before the references, hint)
_TEXTS: dict[Problem, tuple[str, str]] = {
    Problem.ITEM_RESTRICTED: (
        "Your organization's policy restricts the type of this Bitwarden item",
        "Ask an organization admin, or keep the value in an item type the policy allows.",
    ),
    Problem.ITEM_DELETED: (
        "The Bitwarden item is in the trash",
        f"Restore it from the trash or point the reference at another item; {_SYNC}.",
    ),
    Problem.ITEM_ARCHIVED: (
        "The Bitwarden item is archived",
        f"Unarchive it or point the reference at another item; {_SYNC}.",
    ),
    Problem.ITEM_REPROMPT: (
        "The Bitwarden item asks for the master password again before it is used",
        "References are resolved unattended (jobs, restarts), so turn off master password "
        f"re-prompt on this item to use it here; {_SYNC}.",
    ),
    Problem.NOT_FOUND: (
        "No such Bitwarden item or field",
        "Check the item id (`bw list items`) and the field name; sync runs at login, so log in "
        "again if the item was created since.",
    ),
    Problem.EMPTY: (
        "The Bitwarden field is empty",
        f"Fill it in, or reference another field; {_SYNC}.",
    ),
}


def reference_error(problem: Problem, parsed: ParsedEnv, refs: list[SecretRef]) -> AppError:
    names = [str(ref) for ref in refs]
    keys = sorted({key for ref in refs for key in parsed.keys_using(ref)})
    text, hint = _TEXTS[problem]
    return AppError(
        problem.value,
        f"{text}: {', '.join(names)} (used by {', '.join(keys)}).",
        status=422,
        hint=hint,
        details={"references": names, "keys": keys},
    )


def first_problem(parsed: ParsedEnv, problems: dict[SecretRef, Problem]) -> AppError | None:
    """One error for the most specific reason (item state before fields), naming all its refs."""
    for problem in Problem:
        refs = [ref for ref, found in problems.items() if found is problem]
        if refs:
            return reference_error(problem, parsed, refs)
    return None
