Attribute VB_Name = "KPITool"
' kpitool control panel: one line per button, all work in Python (kpitool.xl).
' Generated into workbook_templates/kpitool_panel.xlsm by kpitool.build.panel; edit here, then run
' `make template` (python -m kpitool.build.templates) to rebuild the panel.
' This file stays ASCII (the VBA project's code page is not Japanese): Japanese texts are the
' workbook's defined names KPITOOL_MSG_* (written by kpitool.build.panel), read by KPIToolText.
Option Explicit

Sub KPIToolTemplate()
    KPIToolRun "import kpitool.xl as x; x.template_button()"
End Sub

Sub KPIToolValidate()
    KPIToolRun "import kpitool.xl as x; x.validate_button()"
End Sub

Sub KPIToolConsolidate()
    KPIToolRun "import kpitool.xl as x; x.consolidate_button()"
End Sub

Sub KPIToolAudit()
    KPIToolRun "import kpitool.xl as x; x.audit_button()"
End Sub

Sub KPIToolDoctor()
    KPIToolRun "import kpitool.xl as x; x.doctor_button()"
End Sub

' One click: check the interpreter (a Japanese message instead of xlwings' English one),
' say that Excel is busy before Python starts, run the command, restore the status bar.
Private Sub KPIToolRun(PythonCommand As String)
    Dim problem As String
    problem = KPIToolCheckPython()
    If problem <> "" Then
        MsgBox problem, vbCritical, "kpitool"
        Exit Sub
    End If
    Application.StatusBar = KPIToolText("KPITOOL_MSG_STARTING")
    Application.Cursor = xlWait
    On Error GoTo Finish
    RunPython PythonCommand
Finish:
    Application.Cursor = xlDefault
    Application.StatusBar = False
    If Err.Number <> 0 Then
        MsgBox KPIToolText("KPITOOL_MSG_START_FAILED") & vbLf & "(VBA " & Err.Number & ": " & Err.Description & ")", vbCritical, "kpitool"
    End If
End Sub

' "" when the configured python.exe looks usable, else the Japanese explanation and its fix.
Private Function KPIToolCheckPython() As String
    Dim interpreter As String, scripts As String, home As String
    #If Mac Then
        Exit Function
    #End If
    interpreter = GetConfig("INTERPRETER_WIN", "")
    If interpreter = "" Then interpreter = GetConfig("INTERPRETER", "python")
    If LCase$(interpreter) = "python" Or LCase$(interpreter) = "pythonw" Then Exit Function
    If Not FileExists(interpreter) Then
        KPIToolCheckPython = KPIToolText("KPITOOL_MSG_NO_PYTHON") & vbLf & vbLf & interpreter
        Exit Function
    End If
    scripts = ParentFolder(interpreter)
    home = KPIToolVenvHome(ParentFolder(scripts) & "\pyvenv.cfg")
    If home <> "" And KPIToolIsAscii(home) Then
        If Not FileExists(home & "\python.exe") Then
            KPIToolCheckPython = KPIToolText("KPITOOL_MSG_BROKEN_VENV") & vbLf & vbLf & home & "\python.exe"
            Exit Function
        End If
    End If
    If Not FileExists(scripts & "\kpitool.exe") And Not FileExists(scripts & "\Scripts\kpitool.exe") Then
        KPIToolCheckPython = KPIToolText("KPITOOL_MSG_NO_KPITOOL") & vbLf & vbLf & interpreter
    End If
End Function

' The "home" of a virtual environment (the Python it was made from), "" when not a venv.
Private Function KPIToolVenvHome(cfg As String) As String
    Dim handle As Integer, text As String
    If Not FileExists(cfg) Then Exit Function
    On Error GoTo Failed
    handle = FreeFile
    Open cfg For Input As #handle
    Do While Not EOF(handle)
        Line Input #handle, text
        If LCase$(Trim$(Split(text & "=", "=")(0))) = "home" Then
            KPIToolVenvHome = Trim$(Mid$(text, InStr(text, "=") + 1))
        End If
    Loop
    Close #handle
    Exit Function
Failed:
    KPIToolVenvHome = ""
End Function

' pyvenv.cfg is UTF-8; VBA reads it in the ANSI code page, so only ASCII paths are compared.
Private Function KPIToolIsAscii(text As String) As Boolean
    Dim i As Long
    For i = 1 To Len(text)
        If AscW(Mid$(text, i, 1)) < 32 Or AscW(Mid$(text, i, 1)) > 126 Then Exit Function
    Next i
    KPIToolIsAscii = True
End Function

' A Japanese text from the workbook's defined name (="..." with \n for a line break).
Private Function KPIToolText(key As String) As String
    Dim formula As String
    On Error Resume Next
    formula = ThisWorkbook.Names(key).RefersTo
    On Error GoTo 0
    If Len(formula) < 3 Then
        KPIToolText = "kpitool: " & key
        Exit Function
    End If
    formula = Mid$(formula, 3, Len(formula) - 3)
    KPIToolText = Replace(Replace(formula, """""", """"), "\n", vbLf)
End Function
