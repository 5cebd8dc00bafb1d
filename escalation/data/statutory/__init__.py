"""Readers and writers of the DfE statutory returns.

- :func:`read_cin_census`: Children in Need census XML (2018-19 to 2025-26), one or
  several years merged.
- :func:`read_ssda903`: the SSDA903 looked-after children return (CSV), episodes joined
  into periods of care.
- :func:`read_annex_a`: Ofsted Annex A workbooks (the lists of contacts, early help,
  referrals, ..., children looked after), several years merged, optionally with the CIN
  census returns of the same authority.
- :func:`write_cin_census`: a case history as CIN census XML (round trips, benchmarks).
- :func:`write_annex_a`: a case history as an Annex A workbook (round trips, tests).
- :func:`write_ssda903`: a case history's periods of care as an SSDA903 return (round
  trips, testing a pipeline on a simulated authority).
- :func:`source_report`: every problem found, located by file, child/row, line and element.
"""

from escalation.data.statutory.annex_a import read_annex_a
from escalation.data.statutory.annex_a_writer import AnnexAWriteSummary, write_annex_a
from escalation.data.statutory.cin_census import read_cin_census
from escalation.data.statutory.cin_writer import CinWriteSummary, write_cin_census
from escalation.data.statutory.problems import SourceProblem, source_report
from escalation.data.statutory.ssda903 import read_ssda903
from escalation.data.statutory.ssda903_writer import Ssda903WriteSummary, write_ssda903

__all__ = [
    "AnnexAWriteSummary",
    "CinWriteSummary",
    "SourceProblem",
    "Ssda903WriteSummary",
    "read_annex_a",
    "read_cin_census",
    "read_ssda903",
    "source_report",
    "write_annex_a",
    "write_cin_census",
    "write_ssda903",
]
