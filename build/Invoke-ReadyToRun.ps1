#Requires -Version 7.4
<#
.SYNOPSIS
    Precompiles the built module's assemblies (ReadyToRun) for this machine, so a new pwsh does not JIT them.
.DESCRIPTION
    Every .dll of -ModulePath and its dependencies/ folder is compiled by crossgen2 into a ReadyToRun image for
    this machine's portable runtime identifier (linux-x64 here), against the .NET runtime this PowerShell runs on
    and this PowerShell's System.Management.Automation. The IL stays in each file: on another platform, or on a
    runtime that does not read this ReadyToRun version (an older .NET, so an older PowerShell), the runtime ignores
    the precompiled code and JIT-compiles the IL as before, so one module folder still loads everywhere.
    crossgen2 comes from NuGet (Microsoft.NETCore.App.Crossgen2.<rid>, of this runtime's version), through
    build/ReadyToRun/Crossgen2.csproj. Throws when it cannot be restored or a compilation fails.
.PARAMETER ModulePath
    The built module folder (out/DynamicAwsCreds); its assemblies are replaced in place.
.EXAMPLE
    ./build/Invoke-ReadyToRun.ps1 -ModulePath ./out/DynamicAwsCreds
#>
[CmdletBinding()]
param([Parameter(Mandatory)] [string] $ModulePath)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$project = Join-Path $PSScriptRoot 'ReadyToRun/Crossgen2.csproj'
$version = "-p:Crossgen2Version=$([Environment]::Version)"
& dotnet restore $project --nologo -v quiet $version
if ($LASTEXITCODE -ne 0) { throw "dotnet restore $project failed (exit code $LASTEXITCODE): crossgen2 $([Environment]::Version) could not be brought from NuGet." }
$properties = (& dotnet msbuild $project -nologo $version -getProperty:NuGetPackageRoot -getProperty:Crossgen2Rid -getProperty:Crossgen2Version | Out-String | ConvertFrom-Json).Properties
$rid = $properties.Crossgen2Rid
$tools = Join-Path $properties.NuGetPackageRoot "microsoft.netcore.app.crossgen2.$rid/$($properties.Crossgen2Version)/tools"
# The package carries crossgen2 as one executable; some versions carry crossgen2.dll, run by dotnet, instead.
$crossgen = @((Join-Path $tools ($IsWindows ? 'crossgen2.exe' : 'crossgen2')), (Join-Path $tools 'crossgen2.dll')) |
    Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
if (-not $crossgen) { throw "crossgen2 is not in $tools after the restore of $project." }
$prefix = @()
if ($crossgen.EndsWith('.dll')) { $prefix = @($crossgen); $crossgen = 'dotnet' }

# linux-musl-x64 -> linux and x64; osx-arm64 -> osx and arm64; win-x64 -> windows and x64.
$os, $arch = ($rid -replace '-musl', '') -split '-', 2
if ($os -eq 'win') { $os = 'windows' }

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$assemblies = @(Get-ChildItem -LiteralPath $ModulePath -Filter '*.dll' -File) +
    @(Get-ChildItem -LiteralPath (Join-Path $ModulePath 'dependencies') -Filter '*.dll' -File)
# The IL each image is compiled from, and what the others reference, is a copy outside the module folder.
$il = Join-Path ([IO.Path]::GetTempPath()) "dynamicawscreds-il-$([guid]::NewGuid().ToString('n'))"
New-Item -ItemType Directory -Path $il | Out-Null
try {
    $assemblies | Copy-Item -Destination $il
    # Only managed files may be references: on Windows the runtime's folder also holds native DLLs.
    $references = @(Get-ChildItem -LiteralPath ([Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()) -Filter '*.dll') +
        @(Get-Item -LiteralPath (Join-Path $PSHOME 'System.Management.Automation.dll')) + @(Get-ChildItem -LiteralPath $il -Filter '*.dll') |
        Where-Object { try { $null = [Reflection.AssemblyName]::GetAssemblyName($_.FullName); $true } catch { $false } }
    $responseFile = Join-Path $il 'references.rsp'
    Set-Content -LiteralPath $responseFile -Value ($references | ForEach-Object { "-r:`"$($_.FullName)`"" })
    foreach ($assembly in $assemblies) {
        $source = Join-Path $il $assembly.Name
        $output = & $crossgen @prefix $source -o $assembly.FullName -O --targetos $os --targetarch $arch "@$responseFile" 2>&1
        if ($LASTEXITCODE -ne 0) { throw "crossgen2 failed on $($assembly.Name) (exit code $LASTEXITCODE): $($output -join [Environment]::NewLine)" }
    }
}
finally { Remove-Item -LiteralPath $il -Recurse -Force }
Write-Host "ReadyToRun: $($assemblies.Count) assemblies for $rid (.NET $([Environment]::Version))"
