"""Weekly and monthly reports, shared by the client and the server.

* :mod:`~sync_protocol.report.period` - the week or month a report covers.
* :mod:`~sync_protocol.report.data` - ``build_report``: the numbers, as a frozen tree (``to_json``).
* :mod:`~sync_protocol.report.pdf` - ``render``/``render_pdf``: the A4 PDF (fpdf2, imported lazily),
  drawn by :mod:`.charts` and :mod:`.table` in the look of :mod:`.theme`, with the DejaVu Sans
  font shipped in ``fonts/`` (see ``fonts/LICENSE``); :mod:`.fonts` adds Noto Sans SC for Chinese
  and Japanese and draws ``�`` for a character no font has (an emoji), so fpdf2 never warns;
  :mod:`.typeface` reads each font file once per process for all the reports drawn in it.
"""
