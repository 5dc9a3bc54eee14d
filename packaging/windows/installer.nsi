; Windows installer of the counter client (湛河区综合窗口客户端): per-machine, NSIS 3, Unicode.
;
; The payload is the PyInstaller one-folder bundle (dist/zhanhe-counter). Compile with
;   makensis /DVERSION=0.1.0 /DVERSION4=0.1.0.0 /DSOURCE_DIR=<bundle folder> \
;            /DOUTFILE=<setup.exe> packaging/windows/installer.nsi
; packaging/build.py passes all four (VERSION comes from pyproject.toml). /DUNCOMPRESSED stores
; the payload as is, for the CI check that compiles this script against the Linux bundle in
; seconds (PyInstaller cannot cross-build the Windows bundle; see packaging/README.md).
;
; Silent install and update, as IT pushes it to a fleet:
;   zhanhe-counter-setup-0.1.0.exe /S                    (default folder)
;   zhanhe-counter-setup-0.1.0.exe /S /D=D:\ZhanheCounter  (/D last, no quotes)
; Silent uninstall: "C:\Program Files\ZhanheCounter\uninstall.exe" /S
; The data folder (cases, database, logs) and the keyring entries are never touched.

Unicode true
ManifestDPIAware true

!ifndef VERSION
  !error "pass /DVERSION=x.y.z (packaging/build.py does)"
!endif
!ifndef VERSION4
  !error "pass /DVERSION4=x.y.z.w (four numbers, for the version resource)"
!endif
!ifndef SOURCE_DIR
  !error "pass /DSOURCE_DIR=<the PyInstaller one-folder bundle>"
!endif
!ifndef OUTFILE
  !define OUTFILE "zhanhe-counter-setup-${VERSION}.exe"
!endif

!define APP_ID "ZhanheCounter"
!define APP_NAME "湛河区综合窗口客户端"
!define APP_PUBLISHER "平顶山市湛河区政务服务和大数据管理局"
!define MAIN_EXE "zhanhe-counter.exe"
!define ADMIN_EXE "zhanhe-admin.exe"
!define MENU_FOLDER "湛河区综合窗口"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"

!ifdef UNCOMPRESSED
  SetCompress off
!else
  SetCompressor /SOLID lzma
!endif

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP_ID}"
; An update installs into the folder the previous version used.
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
RequestExecutionLevel admin
ShowInstDetails show
ShowUninstDetails show

; ------------------------------------------------------------------ version information
VIProductVersion "${VERSION4}"
VIFileVersion "${VERSION4}"
VIAddVersionKey /LANG=2052 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=2052 "CompanyName" "${APP_PUBLISHER}"
VIAddVersionKey /LANG=2052 "LegalCopyright" "© 平顶山市湛河区"
VIAddVersionKey /LANG=2052 "FileDescription" "${APP_NAME} 安装程序"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "ProductVersion" "${VERSION}"

; ------------------------------------------------------------------ pages
!include "MUI2.nsh"
!include "x64.nsh"

!define MUI_ABORTWARNING
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\${MAIN_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "启动${APP_NAME}"
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "SimpChinese"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "本程序需要 64 位 Windows 10 或更高版本。" /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

; A running client keeps its files open; replacing them half-way would leave a broken folder.
Function EnsureNotRunning
  IfFileExists "$INSTDIR\${MAIN_EXE}" 0 done
  retry:
    ClearErrors
    Rename "$INSTDIR\${MAIN_EXE}" "$INSTDIR\${MAIN_EXE}.old"
    IfErrors 0 renamed
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION \
      "${APP_NAME}正在运行。请先退出程序，再点“重试”。" /SD IDCANCEL IDRETRY retry
    Abort "程序正在运行，安装已取消。"
  renamed:
    Delete "$INSTDIR\${MAIN_EXE}.old"
  done:
FunctionEnd

; ------------------------------------------------------------------ install
Section "${APP_NAME}" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  Call EnsureNotRunning
  ; An update replaces the whole program folder: files a newer version dropped must not linger.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${ADMIN_EXE}"
  File /r "${SOURCE_DIR}\*"

  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS\${MENU_FOLDER}"
  CreateShortcut "$SMPROGRAMS\${MENU_FOLDER}\${APP_NAME}.lnk" "$INSTDIR\${MAIN_EXE}"
  CreateShortcut "$SMPROGRAMS\${MENU_FOLDER}\演示模式（培训用）.lnk" "$INSTDIR\${MAIN_EXE}" "--demo"
  CreateShortcut "$SMPROGRAMS\${MENU_FOLDER}\卸载${APP_NAME}.lnk" "$INSTDIR\uninstall.exe"

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${APP_PUBLISHER}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${MAIN_EXE}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

; ------------------------------------------------------------------ uninstall
; Only the program folder and the shortcuts go. The data folder (%LOCALAPPDATA%\zhanhe\
; zhanhe-counter of the counter's Windows account) holds cases not yet synced: never delete it here.
Section "Uninstall"
  Delete "$SMPROGRAMS\${MENU_FOLDER}\${APP_NAME}.lnk"
  Delete "$SMPROGRAMS\${MENU_FOLDER}\演示模式（培训用）.lnk"
  Delete "$SMPROGRAMS\${MENU_FOLDER}\卸载${APP_NAME}.lnk"
  RMDir "$SMPROGRAMS\${MENU_FOLDER}"

  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${MAIN_EXE}"
  Delete "$INSTDIR\${ADMIN_EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  DeleteRegKey HKLM "${UNINSTALL_KEY}"
SectionEnd
