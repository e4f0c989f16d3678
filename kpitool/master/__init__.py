"""The master workbook (集約ファイル): its tables, writer, summary, audit log, digest and CSVs."""
