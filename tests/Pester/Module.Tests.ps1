# The built module as a whole: it imports, exports what the manifest says, and every cmdlet's
# parameter metadata is valid (a bad alias only shows when the parameters are first read).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:module = Import-Module (Get-TestModulePath) -Force -PassThru
}

Describe 'The built module' {
    It 'passes Test-ModuleManifest' {
        $manifest = Test-ModuleManifest (Join-Path (Get-TestModulePath) 'DynamicAwsCreds.psd1')
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be ([version]'7.4')
    }

    It 'exports exactly the cmdlets the manifest lists' {
        $listed = (Import-PowerShellDataFile (Join-Path (Get-TestModulePath) 'DynamicAwsCreds.psd1')).CmdletsToExport
        @($script:module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($listed | Sort-Object)
    }

    It '<_> has valid parameter metadata' -ForEach @(
        (Import-PowerShellDataFile (Join-Path $env:DYNAMICAWSCREDS_TEST_MODULE 'DynamicAwsCreds.psd1')).CmdletsToExport
    ) {
        $command = Get-Command $_ -Module DynamicAwsCreds
        $command.Parameters.Count | Should -BeGreaterThan 0
        $command.ParameterSets.Count | Should -BeGreaterThan 0
    }

    It 'loads its dependencies in a private load context' {
        Enable-SecretsEngine aws -WhatIf
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'DynamicAwsCreds.Engine' }
        [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).Name | Should -Be 'DynamicAwsCreds'
    }

    It 'carries SQLite''s native library for every supported platform' {
        foreach ($rid in 'win-x64', 'win-arm64', 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64') {
            $native = Join-Path (Get-TestModulePath) "dependencies/runtimes/$rid/native"
            @(Get-ChildItem $native -Filter '*e_sqlite3*').Count | Should -Be 1 -Because $rid
        }
    }
}
