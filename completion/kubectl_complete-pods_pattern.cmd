@echo off
rem kubectl (1.26 or newer) runs this file to complete "kubectl pods-pattern ...": the plugin
rem answers in cobra's __complete format. The plugin next to this file is preferred.
if exist "%~dp0kubectl-pods_pattern.exe" (
  "%~dp0kubectl-pods_pattern.exe" __complete %*
) else (
  kubectl-pods_pattern.exe __complete %*
)
