# Rules for the module's own .ps1 files (build.ps1, tests). PSScriptAnalyzer is not served by the
# package registry here, so build.ps1 checks syntax with the PowerShell parser; these settings are
# for anyone who runs Invoke-ScriptAnalyzer locally.
@{
    Severity     = @('Error', 'Warning')
    ExcludeRules = @(
        # build.ps1 and the demo talk to a person at a console.
        'PSAvoidUsingWriteHost'
        # Test fixtures pass LocalAws's documented example secret as plain text on purpose.
        'PSAvoidUsingConvertToSecureStringWithPlainText'
        'PSAvoidUsingPlainTextForPassword'
    )
}
