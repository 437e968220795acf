"""``check``: read files exactly as the summary does, and say what is wrong with each."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aggregator.privacy import scrub, scrub_obj
from aggregator.read.reader import Context
from aggregator.read.returns import ReturnRead
from aggregator.read.workers import Progress, read_many
from aggregator.store.names import display_label


@dataclass
class CheckReport:
    """The results of checking some files, and where annotated copies went."""

    results: list[ReturnRead]
    annotated: dict[str, Path] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        """Whether any file has an error (rejected or not)."""
        return any(r.errors for r in self.results)

    def to_json(self) -> list[dict[str, Any]]:
        """Machine-readable form of the report (personal numbers masked)."""
        out: list[dict[str, Any]] = []
        for r in self.results:
            out.append(
                {
                    "file": r.file,
                    "kind": r.kind,
                    "form": r.form,
                    "city": r.city,
                    "sender_county": r.sender_county,
                    "period": r.period,
                    "rejected": r.rejected,
                    "rows_read": sum(s.rows_read for s in r.sheets),
                    "sheets": [
                        {
                            "name": s.name,
                            "status": s.status,
                            "form": s.form,
                            "header_cell": s.header_cell,
                            "rows_read": s.rows_read,
                        }
                        for s in r.sheets
                    ],
                    "contact_person": r.contact_person,
                    "contact_phone": r.contact_phone,
                    "annotated": str(self.annotated[r.file]) if r.file in self.annotated else None,
                    "issues": [p.to_json() for p in r.problems],
                    "applications": r.applications,
                }
            )
        return list(scrub_obj(out))


def check_files(
    paths: list[Path],
    ctx: Context,
    *,
    annotate_dir: Path | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> CheckReport:
    """Read each file as the summary would; optionally write annotated copies (one per file:
    files of the same name from different folders get their folders in the copy's name)."""
    files = [(p, display_label(p)) for p in paths]
    results = read_many(files, ctx, jobs=jobs, progress=progress)
    report = CheckReport(results)
    if annotate_dir is not None:
        from aggregator.write.annotate import distinct_labels, write_annotated

        names = distinct_labels([p for p, _ in files])
        for (p, _), r, name in zip(files, results, names, strict=True):
            # the copy is named after the file: an identity number in that name is masked too
            target = write_annotated(p, replace(r, file=scrub(name)), annotate_dir)
            if target:
                report.annotated[r.file] = target
    return report
