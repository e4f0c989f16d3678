Attribute VB_Name = "KPITool"
' kpitool control panel: one line per button, all logic in Python (kpitool.xl).
' Generated into workbook_templates/kpitool_panel.xlsm by kpitool.build.panel; edit here, then run
' `make template` (python -m kpitool.build.templates) to rebuild the panel.
Option Explicit

Sub KPIToolValidate()
    RunPython "import kpitool.xl as x; x.validate_button()"
End Sub

Sub KPIToolConsolidate()
    RunPython "import kpitool.xl as x; x.consolidate_button()"
End Sub

Sub KPIToolTemplate()
    RunPython "import kpitool.xl as x; x.template_button()"
End Sub

Sub KPIToolAudit()
    RunPython "import kpitool.xl as x; x.audit_button()"
End Sub
