# Ready to publish: the built module passes Test-ModuleManifest, carries the LICENSE its manifest's LicenseUri
# names and release notes for its version; the folder goes through Publish-PSResource into a local file repository, comes
# back with Save-PSResource into a temporary module path (what Install-PSResource lays out: <Name>/<Version>/),
# and the installed copy imports by name in a fresh pwsh and runs the walkthrough against LocalAws.
# Nothing here touches PSGallery or the network: the repository is a temporary folder, registered under a unique
# name and unregistered in AfterAll, whatever happened.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Fixtures/FixtureHelpers.psm1') -Force
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop

    $script:repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:modulePath = (Resolve-Path (Get-TestModulePath)).ProviderPath
    $script:manifestData = Import-PowerShellDataFile (Join-Path $script:modulePath 'DynamicAwsCreds.psd1')
    $script:version = $script:manifestData.ModuleVersion

    $script:work = New-FixtureTempFolder 'dac-publish'
    $script:source = Join-Path $script:work 'source/DynamicAwsCreds'
    $script:feed = Join-Path $script:work 'feed'
    $script:installRoot = Join-Path $script:work 'modules'
    New-Item -ItemType Directory -Path $script:source, $script:feed, $script:installRoot -Force | Out-Null
    Copy-Item (Join-Path $script:modulePath '*') $script:source -Recurse

    $script:repoName = "DynamicAwsCredsTest-$([guid]::NewGuid().ToString('n'))"
    Register-PSResourceRepository -Name $script:repoName -Uri $script:feed -Trusted
    $script:registered = $true

    Publish-PSResource -Path $script:source -Repository $script:repoName -ErrorAction Stop
    Save-PSResource -Name DynamicAwsCreds -Version $script:version -Repository $script:repoName -Path $script:installRoot -TrustRepository -ErrorAction Stop
    $script:installed = Join-Path $script:installRoot 'DynamicAwsCreds' $script:version
    $script:installedManifest = Join-Path $script:installed 'DynamicAwsCreds.psd1'

    function Get-RelativeFileHash([string] $Folder) {
        $base = (Resolve-Path $Folder).ProviderPath
        Get-ChildItem $base -Recurse -File -Force | ForEach-Object {
            [pscustomobject]@{
                Path = [IO.Path]::GetRelativePath($base, $_.FullName) -replace '\\', '/'
                Hash = (Get-FileHash $_.FullName -Algorithm SHA256).Hash
            }
        } | Sort-Object Path
    }
}

AfterAll {
    if ($script:registered) {
        Unregister-PSResourceRepository -Name $script:repoName -ErrorAction Continue
    }
    if ($script:work -and (Test-Path $script:work)) { Remove-Item $script:work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'The built module as published' {
    It 'passes Test-ModuleManifest' {
        $manifest = Test-ModuleManifest (Join-Path $script:modulePath 'DynamicAwsCreds.psd1') -ErrorAction Stop
        $manifest.Name | Should -Be 'DynamicAwsCreds'
        $manifest.Version | Should -Be ([version]$script:version)
        $manifest.RootModule | Should -Be 'DynamicAwsCreds.dll'
        @($manifest.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($script:manifestData.CmdletsToExport | Sort-Object)
        $manifest.LicenseUri | Should -Be ([uri]$script:manifestData.PrivateData.PSData.LicenseUri)
    }

    It 'has the LICENSE its LicenseUri names, the MIT license its copyright states, in the repository and the module' {
        $psData = $script:manifestData.PrivateData.PSData
        $licenseName = ([uri]$psData.LicenseUri).Segments[-1]
        $licenseName | Should -Be 'LICENSE'
        ([uri]$psData.LicenseUri).AbsoluteUri | Should -BeLike "$(([uri]$psData.ProjectUri).AbsoluteUri.TrimEnd('/'))/blob/main/LICENSE"
        $license = Join-Path $script:repoRoot $licenseName
        Test-Path $license | Should -BeTrue

        $text = Get-Content $license -Raw
        $script:manifestData.Copyright | Should -BeLike '*MIT License*'
        ($text -split '\r?\n')[0] | Should -Be 'MIT License'
        $text | Should -Match ([regex]::Escape("Copyright (c) $($script:manifestData.Author)"))
        $text | Should -Match 'Permission is hereby granted, free of charge'
        $text | Should -Match 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND'

        (Get-FileHash (Join-Path $script:modulePath 'LICENSE')).Hash | Should -Be (Get-FileHash $license).Hash
    }

    It 'has release notes that start with this version and say what it brings' {
        $notes = $script:manifestData.PrivateData.PSData.ReleaseNotes
        ($notes -split '\r?\n')[0] | Should -Be $script:version
        foreach ($topic in 'DynamoDB', 'KMS', 'claims', 'Static roles', 'Vault parity', 'LICENSE') {
            $notes | Should -Match ([regex]::Escape($topic)) -Because "the $script:version notes should cover $topic"
        }
        foreach ($cmdlet in 'Set-AwsStaticRole', 'Get-AwsStaticCredential', 'Update-AwsStaticCredential') {
            $notes | Should -Match $cmdlet
        }
    }
}

Describe 'Publishing the built module to a local PSResource repository' {
    It 'uses the PSResourceGet that ships with this PowerShell, against a file repository only' {
        (Get-Module Microsoft.PowerShell.PSResourceGet).ModuleBase | Should -BeLike "$PSHOME*"
        $repository = Get-PSResourceRepository -Name $script:repoName
        $repository.Uri.IsFile | Should -BeTrue
        $repository.Uri.LocalPath.TrimEnd('/', '\') | Should -Be ([IO.Path]::GetFullPath($script:feed).TrimEnd('/', '\'))
    }

    It 'packs the LICENSE and the manifest into the nupkg' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead((Get-ChildItem $script:feed -Filter '*.nupkg' | Select-Object -First 1).FullName)
        try {
            $entries = @($zip.Entries.FullName)
            $entries | Should -Contain 'LICENSE'
            $entries | Should -Contain 'DynamicAwsCreds.psd1'
            $reader = [IO.StreamReader]::new($zip.GetEntry('LICENSE').Open())
            try { $reader.ReadToEnd() | Should -Be (Get-Content (Join-Path $script:repoRoot 'LICENSE') -Raw) } finally { $reader.Dispose() }
        }
        finally { $zip.Dispose() }
    }

    It 'publishes one nupkg that carries the manifest''s metadata' {
        @(Get-ChildItem $script:feed -Filter '*.nupkg').Name | Should -Be @("DynamicAwsCreds.$($script:version).nupkg")

        $found = Find-PSResource -Name DynamicAwsCreds -Repository $script:repoName
        $found.Version | Should -Be ([version]$script:version)
        $found.Type | Should -Be 'Module'
        $psData = $script:manifestData.PrivateData.PSData
        $found.ProjectUri | Should -Be ([uri]$psData.ProjectUri)
        $found.LicenseUri | Should -Be ([uri]$psData.LicenseUri)
        $found.ReleaseNotes | Should -Be $psData.ReleaseNotes
        foreach ($tag in $psData.Tags) { $found.Tags | Should -Contain $tag }
        @($found.Includes.Cmdlet | Sort-Object) | Should -Be @($script:manifestData.CmdletsToExport | Sort-Object)
    }

    It 'installs every file of the built module, byte for byte, into its version folder' {
        Test-Path $script:installedManifest | Should -BeTrue
        $expected = @(Get-RelativeFileHash $script:modulePath)
        $actual = @(Get-RelativeFileHash $script:installed)
        ($actual | ForEach-Object { "$($_.Path) $($_.Hash)" }) | Should -Be ($expected | ForEach-Object { "$($_.Path) $($_.Hash)" })
    }

    It 'passes Test-ModuleManifest on the installed copy' {
        $manifest = Test-ModuleManifest $script:installedManifest -ErrorAction Stop
        $manifest.Name | Should -Be 'DynamicAwsCreds'
        $manifest.Version | Should -Be ([version]$script:version)
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be ([version]'7.4')
        @($manifest.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($script:manifestData.CmdletsToExport | Sort-Object)
    }

    It 'has the manifest a gallery listing needs' {
        $data = Import-PowerShellDataFile $script:installedManifest
        $data.CompatiblePSEditions | Should -Be @('Core')
        $data.PowerShellVersion | Should -Be '7.4'
        Test-Path (Join-Path $script:installed $data.RootModule) | Should -BeTrue

        # Explicit export lists: no wildcard anywhere, so command discovery never has to load the dll.
        @($data.CmdletsToExport).Count | Should -BeGreaterThan 0
        foreach ($list in 'CmdletsToExport', 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
            $data.ContainsKey($list) | Should -BeTrue -Because "$list should be listed explicitly"
            @($data[$list]) -join ',' | Should -Not -Match '\*' -Because "$list should not use a wildcard"
        }

        @($data.FormatsToProcess).Count | Should -BeGreaterThan 0
        foreach ($format in $data.FormatsToProcess) { Test-Path (Join-Path $script:installed $format) | Should -BeTrue -Because $format }
        @($data.TypesToProcess).Count | Should -BeGreaterThan 0
        foreach ($types in $data.TypesToProcess) { Test-Path (Join-Path $script:installed $types) | Should -BeTrue -Because $types }

        $psData = $data.PrivateData.PSData
        @($psData.Tags).Count | Should -BeGreaterThan 0
        $psData.Tags | Should -Contain 'PSEdition_Core'
        foreach ($uri in $psData.ProjectUri, $psData.LicenseUri) {
            ([uri]$uri).IsAbsoluteUri | Should -BeTrue
            ([uri]$uri).Scheme | Should -Be 'https'
        }
        $psData.ReleaseNotes | Should -Not -BeNullOrEmpty
        $data.Description | Should -Not -BeNullOrEmpty
        $data.Author | Should -Not -BeNullOrEmpty
    }
}

Describe 'The installed copy in a fresh pwsh' {
    BeforeAll {
        $script:server = Start-TestLocalAws
        $script:store = New-TestStore
        $installRoot = ConvertTo-PwshLiteral $script:installRoot
        $walk = Get-WalkthroughScript -Server $script:server -Role dev
        $script:seen = (Invoke-PwshScript -Environment @{ DYNAMICAWSCREDS_STORE = $script:store; AWS_EC2_METADATA_DISABLED = 'true' } -Script @"
`$env:PSModulePath = $installRoot + [IO.Path]::PathSeparator + `$env:PSModulePath
`$available = @(Get-Module -ListAvailable DynamicAwsCreds | Where-Object ModuleBase -like ($installRoot + '*'))
Import-Module DynamicAwsCreds
`$module = Get-Module DynamicAwsCreds
`$walk = $walk
[pscustomobject]@{
    Available       = @(`$available | ForEach-Object { `$_.Version.ToString() })
    ModuleBase      = `$module.ModuleBase
    Version         = `$module.Version.ToString()
    ExportedCmdlets = @(`$module.ExportedCmdlets.Keys)
    Walk            = `$walk
}
"@).Output
    }
    AfterAll {
        if ($script:server) { Stop-LocalAws $script:server }
        if ($script:store) { Remove-TestStore $script:store }
    }

    It 'imports by name from the module path it was installed to' {
        $script:seen.Available | Should -Be @($script:version)
        [IO.Path]::GetFullPath($script:seen.ModuleBase).TrimEnd('/', '\') | Should -Be ([IO.Path]::GetFullPath($script:installed).TrimEnd('/', '\'))
        $script:seen.Version | Should -Be $script:version
        @($script:seen.ExportedCmdlets | Sort-Object) | Should -Be @($script:manifestData.CmdletsToExport | Sort-Object)
    }

    It 'runs the walkthrough against LocalAws: issue, then revoke by prefix' {
        Assert-WalkthroughResult $script:seen.Walk $script:installed
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
    }
}
