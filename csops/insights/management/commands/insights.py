"""``csops insights evaluate|fightchurn|validate|train``: churn models, score validation, outside data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.management.base import BaseCommand, CommandError, CommandParser

from csops.insights import fightchurn, modelling, tables


class Command(BaseCommand):
    help = "Insights: evaluate churn models on a table, validate health scores, train the churn risk model."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True,
                                    metavar="{evaluate,fightchurn,validate,train,seed-demo}")
        ev = sub.add_parser("evaluate", help="model churn on any account-level CSV and print held-out figures")
        ev.add_argument("--table", required=True, help="CSV file, one row per account (or account and date)")
        ev.add_argument("--label", required=True, help="0/1 or true/false column to predict")
        ev.add_argument("--id", dest="id_col", help="identifier column (not a feature)")
        ev.add_argument("--time", dest="time_col", help="observation date column: enables the time-based split")
        ev.add_argument("--duration", dest="duration_col", help="lifetime column: adds a survival curve")
        ev.add_argument("--folds", type=int, help="folds (default 2 with --time, else 5)")
        ev.add_argument("--gap-days", type=int, default=0, help="days left out between training and test periods")
        fc = sub.add_parser("fightchurn", help="reproduce the figures on ../shared/data/fightchurn_sim")
        fc.add_argument("path", nargs="?", default="../shared/data/fightchurn_sim")
        fc.add_argument("--through-csops", action="store_true",
                        help="also load it through the importers and the lake, score it with a scorecard and "
                             "validate it (use an empty CSOPS_VAR_DIR)")
        va = sub.add_parser("validate", help="does the health score predict churn? (from snapshot history)")
        va.add_argument("--scorecard", help="scorecard key (default: every active scorecard)")
        va.add_argument("--horizon", type=int, default=90, help="churn within this many days (default 90)")
        va.add_argument("--today", type=dt.date.fromisoformat, help="reference date (default: today)")
        tr = sub.add_parser("train", help="train the churn risk model on history and score today's accounts")
        tr.add_argument("--horizon", type=int, default=90, help="churn within this many days (default 90)")
        tr.add_argument("--today", type=dt.date.fromisoformat, help="reference date (default: today)")
        sub.add_parser("seed-demo", help="train the churn model on the demo's history and score its latest day "
                                         "(idempotent; after `csops health seed-demo`)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except modelling.ModellingError as exc:
            raise CommandError(str(exc)) from exc

    def _out(self, lines: list[str]) -> None:
        for line in lines:
            self.stdout.write(line)

    def _evaluate(self, options: dict[str, Any]) -> None:
        frame = tables.read_table(options["table"])
        data = modelling.dataset_from_frame(frame, label=options["label"], id_col=options["id_col"],
                                            time_col=options["time_col"], duration_col=options["duration_col"])
        result = modelling.evaluate(data, n_folds=options["folds"], gap_days=options["gap_days"])
        self._out(tables.format_evaluation(result))
        self._out(tables.survival_lines(data))

    def _fightchurn(self, options: dict[str, Any]) -> None:
        folder = Path(options["path"])
        if not (folder / "socialnet7_dataset.csv").is_file():
            raise CommandError(f"no socialnet7_dataset.csv in {folder}")
        result = fightchurn.evaluate_book_dataset(folder)
        self._out(["socialnet7_dataset.csv, the book's observations and split:", *tables.format_evaluation(result)])
        for name, (auc, lift) in fightchurn.BOOK.items():
            r = result.results[name]
            verdict = "beats" if r.auc > auc else "matches" if abs(r.auc - auc) < 0.005 else "falls short of"
            self.stdout.write(f"{name}: AUC {r.auc:.3f} {verdict} the book's {auc:.3f} (lift {r.lift:.2f} "
                              f"against {lift:.2f})")
        weights = fightchurn.event_weights(pd.read_csv(folder / "socialnet7_dataset.csv"), "is_churn",
                                           fightchurn.true_utility(folder))
        self.stdout.write("suggested value per event (1 = most valuable), against the simulator's utility:")
        for name in weights.order:
            self.stdout.write(f"  {name:<10} {weights.weights[name]:+.3f}   true {weights.truth[name]:+.1f}")
        self._weights_lines(weights)
        if options["through_csops"]:
            self._through_csops(folder)

    def _weights_lines(self, weights: fightchurn.EventWeights) -> None:
        if weights.saturation is not None:
            self.stdout.write(f"each count entered as 1 - exp(-{weights.saturation:g} x count / mean) "
                              "(the shape chosen on held-out folds)")
        self.stdout.write(f"rank correlation with the true order: {weights.spearman:.3f}; "
                          f"suggested order {' > '.join(weights.order)}; true order {' > '.join(weights.true_order)}")

    def _through_csops(self, folder: Path) -> None:
        from django.conf import settings

        run = fightchurn.run_through_csops(folder, lake_dir=Path(settings.CSOPS_LAKE_DIR))
        v = run.validation
        self.stdout.write(f"through csops: {run.accounts} accounts and {run.contracts} contracts imported, "
                          f"{run.events} events in the lake, {run.snapshots} weekly snapshots of the event scorecard")
        if v.ok:
            self.stdout.write(f"equal-weight event scorecard, churn within 30 days: AUC {v.auc:.3f}, lowest-decile "
                              f"lift {v.lift:.2f} ({v.rows} snapshots, {v.churned_accounts} churned accounts)")
            for m in sorted(v.measures, key=lambda m: -m.auc):
                self.stdout.write(f"  {m.key:<10} AUC {m.auc:.3f}{_suggested(m)}")
            if v.suggestion:
                self.stdout.write(f"  suggested weights on held-out later days and other accounts: AUC "
                                  f"{v.suggestion.auc_suggested:.3f} against {v.suggestion.auc_current:.3f}")
                signed = fightchurn.ranked(v.suggestion.signed(), run.weights.truth)
                self.stdout.write("  suggested weights signed (a reversed measure negative): "
                                  + ", ".join(f"{n} {signed.weights[n]:+.1f}" for n in signed.order))
                self._weights_lines(signed)
        else:
            self.stdout.write(f"validation: {v.reason}")
        self._out(["models on the lake's 28-day counts:", *tables.format_evaluation(run.model, top=4)])
        self.stdout.write("value per event from the lake's counts:")
        for name in run.weights.order:
            self.stdout.write(f"  {name:<10} {run.weights.weights[name]:+.3f}   true {run.weights.truth[name]:+.1f}")
        self._weights_lines(run.weights)

    def _today(self, options: dict[str, Any]) -> dt.date:
        from csops.health.demo import demo_today

        return options.get("today") or demo_today()

    def _validate(self, options: dict[str, Any]) -> None:
        from csops.health.models import Scorecard
        from csops.insights.validation import validate_scorecard

        today = self._today(options)
        cards = Scorecard.objects.filter(is_active=True).select_related("product")
        if options["scorecard"]:
            cards = cards.filter(key=options["scorecard"])
            if not cards:
                raise CommandError(f"no active scorecard with the key {options['scorecard']!r}")
        for card in cards:
            r = validate_scorecard(card, horizon=options["horizon"], today=today)
            if not r.ok:
                self.stdout.write(f"{card.key}: {r.reason}")
                continue
            self.stdout.write(
                f"{card.key}: churn within {r.horizon} days, {r.rows} snapshots of {r.accounts} accounts "
                f"({r.first_day} to {r.last_day}), {r.churned_accounts} churned; score AUC {r.auc:.3f}, "
                f"lowest-decile lift {r.lift:.2f}, correlation with ARR change {r.arr_correlation:+.3f}")
            self.stdout.write("  churn rate by grade: " + ", ".join(
                f"{g['grade']} {g['churn_rate']:.1%} ({g['rows']})" for g in r.by_grade))
            self.stdout.write("  churn rate by decile (lowest scores first): " + ", ".join(
                f"{d['churn_rate']:.1%}" for d in r.by_decile))
            if r.csm_view is not None:
                self._csm_view_lines(r.csm_view)
            for m in sorted(r.measures, key=lambda m: -(m.auc if m.auc == m.auc else 0)):
                self.stdout.write(f"  {m.key:<24} weight {m.weight:5.1f}%  AUC {m.auc:.3f}  "
                                  f"ARR corr {m.arr_correlation:+.3f}  data {m.coverage:.0%}{_suggested(m)}")
            if r.suggestion:
                s = r.suggestion
                self.stdout.write(f"  suggested weights on held-out later days and other accounts: AUC "
                                  f"{s.auc_suggested:.3f} against {s.auc_current:.3f} now ({s.gain:+.3f}; "
                                  f"{s.test_rows} rows, {s.test_positives} churned)")

    def _csm_view_lines(self, v: Any) -> None:
        from csops.insights.report import csm_view_sentence

        self.stdout.write(
            f"  CSM's own view (latest assessment on or before the day, at most {v.max_age_days} days old): "
            f"{v.rows_with_view} of {v.rows} snapshots ({v.coverage:.0%}); churn rate by view: " + ", ".join(
                f"{b['view']} {b['churn_rate']:.1%} ({b['rows']})" if b["rows"] else f"{b['view']} - (0)"
                for b in v.by_view))
        self.stdout.write(f"  on the snapshots with a view: view AUC {v.auc:.3f}, score AUC {v.auc_score:.3f}; "
                          f"held-out score + view {v.auc_combined_heldout:.3f} against score alone "
                          f"{v.auc_score_heldout:.3f} ({v.test_rows} rows, {v.test_positives} churned)")
        self.stdout.write("  " + csm_view_sentence(v))

    def _train(self, options: dict[str, Any]) -> None:
        from csops.insights import risk

        today = self._today(options)
        result = risk.train(horizon=options["horizon"], today=today)
        if result.model is None:
            raise CommandError(result.summary())
        self.stdout.write(result.summary())
        for name, figures in result.model.metrics["models"].items():
            self.stdout.write(f"  {name:<20} AUC {figures['auc']:.3f}  Brier {figures['brier']:.4f}  "
                              f"lift {figures['lift']:.2f}")
        day = risk.HealthScore.objects.filter(scorecard__key=result.model.scorecard_key).order_by("-day") \
            .values_list("day", flat=True).first()
        if day:
            self.stdout.write(f"churn risk scored for {risk.score_day(day, model=result.model)} accounts on {day}")

    def _seed_demo(self, options: dict[str, Any]) -> None:
        from csops.insights import risk
        from csops.insights.models import ChurnRisk, RevenueForecast
        from csops.insights.revenue import record_forecast

        model = risk.current_model()
        trained = "kept the current churn model"
        if model is None:
            result = risk.train(today=self._today(options))
            if result.model is None:
                self.stdout.write(f"insights seed-demo: {result.summary()}")
                return
            model, trained = result.model, result.summary()
        day = risk.HealthScore.objects.filter(scorecard__key=model.scorecard_key).order_by("-day") \
            .values_list("day", flat=True).first()
        scored = 0
        if day and not ChurnRisk.objects.filter(day=day).exists():
            scored = risk.score_day(day, model=model)
        forecast_note = ""
        if day and not RevenueForecast.objects.filter(day=day).exists():
            record_forecast(day, model=model)
            forecast_note = f"; revenue forecast recorded for {day}"
        self.stdout.write(f"insights seed-demo: {trained}; {scored} accounts scored{forecast_note}")


def _suggested(m: Any) -> str:
    if m.suggested is None:
        return ""
    return f", suggested {m.suggested:.1f}%" + (" reversed" if m.reversed else "")
