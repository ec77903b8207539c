# The built module as a whole: it imports, exports what the manifest says, and every cmdlet's
# parameter metadata is valid (a bad alias only shows when the parameters are first read).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:module = Import-Module (Get-TestModulePath) -Force -PassThru

    # The major version of a file's ReadyToRun header (READYTORUN_HEADER: the signature 'RTR', then MajorVersion),
    # or $null for an IL-only file.
    function Get-ReadyToRunMajorVersion([string] $Path) {
        $stream = [IO.File]::OpenRead($Path)
        $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
        try {
            $header = $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory
            if ($header.Size -eq 0) { return $null }
            $bytes = [byte[]]@($pe.GetSectionData($header.RelativeVirtualAddress).GetContent(0, 6))
            if ([BitConverter]::ToUInt32($bytes, 0) -ne 0x00525452) { return $null }
            [BitConverter]::ToUInt16($bytes, 4)
        }
        finally { $pe.Dispose(); $stream.Dispose() }
    }
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

    It 'is precompiled (ReadyToRun) in the format the runtime this PowerShell runs on reads: <_>' -ForEach @(
        'DynamicAwsCreds.dll', 'dependencies/DynamicAwsCreds.Engine.dll', 'dependencies/Microsoft.Data.Sqlite.dll',
        'dependencies/SQLitePCLRaw.core.dll', 'dependencies/AWSSDK.Core.dll'
    ) {
        # The runtime's own libraries are ReadyToRun images of the version it reads; an image of another version
        # (crossgen2 of an older .NET) would load, but its precompiled code would be ignored and JIT-compiled again.
        $runtime = Get-ReadyToRunMajorVersion ([object].Assembly.Location)
        $runtime | Should -Not -BeNullOrEmpty
        Get-ReadyToRunMajorVersion (Join-Path (Get-TestModulePath) $_) | Should -Be $runtime
    }

    It 'carries SQLite''s native library for every supported platform' {
        foreach ($rid in 'win-x64', 'win-arm64', 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64') {
            $native = Join-Path (Get-TestModulePath) "dependencies/runtimes/$rid/native"
            @(Get-ChildItem $native -Filter '*e_sqlite3*').Count | Should -Be 1 -Because $rid
        }
    }
}
