#Requires -Version 7.4
<#
.SYNOPSIS
    The one entry point: Build, Test, Demo, Bench, Install, Clean.
.DESCRIPTION
    Build   - out/DynamicAwsCreds/: a module folder Import-Module takes (cmdlet dll, manifest, formats,
              and dependencies/ with the engine, its NuGet dependencies and SQLite's native library for
              win-x64/arm64, linux-x64/arm64 (glibc and musl) and osx-x64/arm64), and native/<rid>/ with the
              credential_process helper, NativeAOT for this machine's runtime identifier (left out, with a warning,
              where no native toolchain is installed). Its assemblies are precompiled (ReadyToRun) for this machine
              by build/Invoke-ReadyToRun.ps1.
    Test    - Build, then xunit (tests/DynamicAwsCreds.Tests: engine, store, clients; tests/LocalAws.Tests: the emulator)
              in the background beside Pester (the built module in a fresh pwsh, as a user types it; several test
              files at once, see tests/Pester/Invoke-PesterSuite.ps1). Prints one closing line
              "N passed, N failed, N skipped"; exits 1 on any failure.
    Demo    - Build, start LocalAws on a free loopback port, run the Vault walkthrough with the built module
              in a fresh pwsh, printing each step and its output, then stop LocalAws.
    Bench   - Build, then measure issue/revoke/store/cold-start against LocalAws with added latency, beside Vault's
              call order replayed one call at a time; prints a table of ratios against each row's floor and writes
              bench/results.json. Fails when a row FAILED (a call failed or a lease was not revoked). Not part of Test.
    Install - Build, then copy the module into the current user's module path.
    Clean   - Remove out/ and every bin/ and obj/ folder.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Install', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'DynamicAwsCreds'
$SupportedRids = 'win-x64', 'win-arm64', 'linux-x64', 'linux-arm64', 'linux-musl-x64', 'linux-musl-arm64', 'osx-x64', 'osx-arm64'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
Import-Module (Join-Path $Root 'tests/Common/DynamicAwsCreds.TestHost.psm1') -Force

function Invoke-Dotnet([string[]] $Arguments) {
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    Write-Host '== Build' -ForegroundColor Cyan
    $helpGenerator = Join-Path $Root 'build/New-MamlHelp.ps1'
    if (-not (Test-Path -LiteralPath $helpGenerator)) {
        throw "The help generator $helpGenerator is missing: the module would ship without help. Restore it (git checkout -- build/New-MamlHelp.ps1)."
    }
    Invoke-Dotnet 'build', (Join-Path $Root 'DynamicAwsCreds.slnx'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:NoSummary'

    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $deps = Join-Path $ModuleOut 'dependencies'
    $staging = Join-Path $Out 'staging'
    if (Test-Path $staging) { Remove-Item $staging -Recurse -Force }

    # A portable (RID-less) publish carries runtimes/<rid>/native for every platform; keep the supported ones.
    Invoke-Dotnet 'publish', (Join-Path $Root 'src/DynamicAwsCreds.Engine'), '-c', $Configuration, '-o', $staging, '--no-build', '--nologo', '-v', 'quiet'
    New-Item -ItemType Directory -Path $deps -Force | Out-Null
    Get-ChildItem $staging -File | Where-Object Extension -in '.dll', '.json' | Copy-Item -Destination $deps
    foreach ($rid in $SupportedRids) {
        $native = Join-Path $staging "runtimes/$rid/native"
        if (Test-Path $native) {
            $target = Join-Path $deps "runtimes/$rid/native"
            New-Item -ItemType Directory -Path $target -Force | Out-Null
            Copy-Item (Join-Path $native '*') $target
        }
    }
    Remove-Item $staging -Recurse -Force

    Copy-Item (Get-BuildOutput src/DynamicAwsCreds/DynamicAwsCreds.csproj -Configuration $Configuration) $ModuleOut
    Copy-Item (Join-Path $Root 'DynamicAwsCreds.psd1') $ModuleOut
    Copy-Item (Join-Path $Root 'LICENSE') $ModuleOut
    Copy-Item (Join-Path $Root 'module/*') $ModuleOut -Recurse
    # Precompiled for this machine, so importing and the first command do not wait for the JIT.
    & (Join-Path $Root 'build/Invoke-ReadyToRun.ps1') -ModulePath $ModuleOut
    # MAML help, generated from the Markdown sources in docs/help (platyPS is not available here).
    & $helpGenerator -SourcePath (Join-Path $Root 'docs/help') -ModulePath $ModuleOut
    Publish-CredentialProcessHelper
    Write-Host "Module: $ModuleOut"
}

# The native credential_process helper, NativeAOT for this machine's runtime identifier, into native/<rid>/. Without
# a native toolchain it is left out with a warning: the module's credential_process then runs through pwsh.
function Publish-CredentialProcessHelper {
    $rid = Get-PortableRid
    $staging = Join-Path $Out "native-staging/$rid"
    if (Test-Path $staging) { Remove-Item $staging -Recurse -Force }
    $log = & dotnet publish (Join-Path $Root 'src/DynamicAwsCreds.CredentialProcess') -c $Configuration -r $rid -o $staging --nologo -v quiet 2>&1
    if ($LASTEXITCODE -ne 0) {
        $reason = @($log | Where-Object { "$_" -match 'error' } | Select-Object -First 1) -join ''
        Write-Warning "The native credential_process helper for $rid was not built (no NativeAOT toolchain?): $($reason.Trim()) The module works without it, through pwsh."
        return
    }
    $target = Join-Path $ModuleOut "native/$rid"
    New-Item -ItemType Directory -Path $target -Force | Out-Null
    Get-ChildItem $staging -File | Where-Object Extension -notin '.dbg', '.pdb' | Copy-Item -Destination $target
    Remove-Item (Join-Path $Out 'native-staging') -Recurse -Force
}

function Get-LocalAwsDll { Get-BuildOutput tests/LocalAws/LocalAws.csproj -Configuration $Configuration }

# Starts one xunit project of tests/ (built by Invoke-Build) in the background; Complete-Xunit waits for it.
function Start-Xunit([string] $Project, [string] $ResultsFolder) {
    $trx = Join-Path $ResultsFolder "$Project.trx"
    $info = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in 'test', (Join-Path $Root "tests/$Project"), '-c', $Configuration, '--no-build', '--nologo',
        '--logger', "trx;LogFileName=$trx", '--logger', 'console;verbosity=minimal') { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($info)
    [pscustomobject]@{ Trx = $trx; Process = $process; StdOut = $process.StandardOutput.ReadToEndAsync(); StdErr = $process.StandardError.ReadToEndAsync() }
}

# Prints what a Start-Xunit run wrote and returns its counts from the trx it wrote.
function Complete-Xunit($Run) {
    $Run.Process.WaitForExit()
    Write-Host ($Run.StdOut.Result + $Run.StdErr.Result).TrimEnd()
    $exit = $Run.Process.ExitCode
    $trx = $Run.Trx
    $passed = 0; $failed = 0; $skipped = 0
    if (Test-Path $trx) {
        $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
        $passed = [int]$counters.passed
        $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $skipped = [int]$counters.total - [int]$counters.executed # a trx counts a skipped test in total only
    }
    if ($exit -ne 0 -and $failed -eq 0) { $failed = 1 }
    [pscustomobject]@{ Passed = $passed; Failed = $failed; Skipped = $skipped }
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path $results -Force | Out-Null

    # The shared-store tests run against dynalite (tests/dynalite, pinned by its lockfile).
    $env:DYNAMICAWSCREDS_TEST_DYNALITE = Install-Dynalite

    Invoke-Dotnet 'restore', (Join-Path $Root 'tests/Pester/Pester.Restore.csproj'), '--nologo', '-v', 'quiet'

    # xunit runs in the background while Pester runs (its slowest tests mostly wait); its output follows Pester's.
    $xunitRuns = foreach ($project in 'DynamicAwsCreds.Tests', 'LocalAws.Tests') { Start-Xunit $project $results }

    Write-Host '== Pester' -ForegroundColor Cyan
    $pesterJson = Join-Path $results 'pester.json'
    $runner = Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1'
    $pesterExit = (Invoke-Pwsh -Stream -File $runner -ArgumentList '-ModulePath', $ModuleOut, '-LocalAwsDll', (Get-LocalAwsDll), '-ResultFile', $pesterJson).ExitCode
    $pPassed = 0; $pFailed = 0; $pSkipped = 0
    if (Test-Path $pesterJson) {
        $p = Get-Content $pesterJson -Raw | ConvertFrom-Json
        $pPassed = [int]$p.Passed; $pFailed = [int]$p.Failed; $pSkipped = [int]$p.Skipped
    }
    if ($pesterExit -ne 0 -and $pFailed -eq 0) { $pFailed = 1 }
    Write-Host "Pester: $pPassed passed, $pFailed failed, $pSkipped skipped"

    Write-Host '== xunit' -ForegroundColor Cyan
    $xunit = foreach ($run in $xunitRuns) { Complete-Xunit $run }
    $xPassed = ($xunit | Measure-Object Passed -Sum).Sum
    $xFailed = ($xunit | Measure-Object Failed -Sum).Sum
    $xSkipped = ($xunit | Measure-Object Skipped -Sum).Sum
    Write-Host "xunit: $xPassed passed, $xFailed failed, $xSkipped skipped"

    $passed = $xPassed + $pPassed
    $failed = $xFailed + $pFailed
    # Skipped: the real-AWS Pester tests without DYNAMICAWSCREDS_TEST_AWS_PROFILE, and any test xunit skips.
    $skipped = $xSkipped + $pSkipped
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    $server = Start-LocalAws -LocalAwsDll (Get-LocalAwsDll)
    try {
        $demo = Join-Path $Root 'tests/Demo/Walkthrough.ps1'
        $store = Join-Path ([IO.Path]::GetTempPath()) "dynamicawscreds-demo-$([guid]::NewGuid().ToString('n'))"
        $demoExit = (Invoke-Pwsh -Stream -File $demo -ArgumentList '-ModulePath', $ModuleOut, '-Endpoint', $server.Endpoint,
            '-AccessKey', $server.RootAccessKey, '-SecretKey', $server.RootSecretKey, '-StorePath', (Join-Path $store 'store.db')).ExitCode
        if (Test-Path $store) { Remove-Item $store -Recurse -Force }
        if ($demoExit -ne 0) { throw "The walkthrough failed (exit code $demoExit)." }
    }
    finally {
        Stop-LocalAws $server
    }
}

function Invoke-Bench {
    Invoke-Build
    & (Join-Path $Root 'bench/Invoke-Bench.ps1') -ModulePath $ModuleOut -LocalAwsDll (Get-LocalAwsDll) -Configuration $Configuration `
        -ResultFile (Join-Path $Root 'bench/results.json')
    if ($LASTEXITCODE -ne 0) { throw 'The benchmark failed: a row above is FAILED (a call failed or a lease was not revoked).' }
}

function Invoke-Install {
    Invoke-Build
    $userModules = ($env:PSModulePath -split [IO.Path]::PathSeparator)[0]
    $target = Join-Path $userModules 'DynamicAwsCreds' (Import-PowerShellDataFile (Join-Path $Root 'DynamicAwsCreds.psd1')).ModuleVersion
    if (Test-Path $target) { Remove-Item $target -Recurse -Force }
    New-Item -ItemType Directory -Path $target -Force | Out-Null
    Copy-Item (Join-Path $ModuleOut '*') $target -Recurse
    Write-Host "Installed to $target"
}

function Invoke-Clean {
    if (Test-Path $Out) { Remove-Item $Out -Recurse -Force }
    Get-ChildItem $Root -Directory -Recurse -Include bin, obj | Where-Object FullName -NotMatch '[\\/]\.git[\\/]' |
        Remove-Item -Recurse -Force
}

Push-Location $Root
try {
    switch ($Task) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Bench' { Invoke-Bench }
        'Install' { Invoke-Install }
        'Clean' { Invoke-Clean }
    }
}
finally {
    Pop-Location
}
