"""One-shot commands start fast: fpdf2, the report's CJK font and ollama load only when a report is drawn
or a model asked."""

from __future__ import annotations

import subprocess
import sys


def test_report_and_coach_modules_do_not_load_fpdf_or_ollama() -> None:
    code = (
        "import sys\n"
        "import habit_tui.cli.main, habit_tui.services.reporting\n"
        "import sync_protocol.report.pdf, sync_protocol.report.fonts\n"
        "import sync_protocol.coach.coach, sync_protocol.coach.milestones\n"
        "print(sorted(m for m in ('fpdf', 'ollama', 'pylopdf_fonts_zh_cn') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
