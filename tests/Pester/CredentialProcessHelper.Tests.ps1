# The native credential_process helper (native/<rid>/dynamicawscreds-credential-process in the built module): a hit
# answered without PowerShell, a miss handed over to Export-AwsCredential -Cache, and every cache file it must not
# trust handed over too. "--pwsh /nonexistent" shows which it did: a hit still answers, a hand-over fails with one
# plain stderr line. Where the build made no helper (no NativeAOT toolchain), every test here is reported as skipped.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:helperBuilt = [bool](Get-CredentialProcessHelper -ModulePath (Get-TestModulePath))
    if (-not $script:helperBuilt) {
        Write-Warning "CredentialProcessHelper.Tests.ps1 skipped: the build made no native credential_process helper for $(Get-PortableRid) (no NativeAOT toolchain)."
    }
}

Describe 'The native credential_process helper' -Skip:(-not $script:helperBuilt) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        Import-Module (Get-TestModulePath) -Force
        # A slow CreateUser keeps the first hand-over inside its lock while the other helpers arrive.
        $script:server = Start-TestLocalAws -ArgumentList '--delay', 'CreateUser:1000'
        $script:helper = Get-CredentialProcessHelper -ModulePath (Get-TestModulePath)
        # The tests' PowerShell: the pinned dotnet tool's pwsh.dll (run as `dotnet pwsh.dll`), else this pwsh.
        $dll = Join-Path $PSHOME 'pwsh.dll'
        $script:pwsh = if (Test-Path -LiteralPath $dll) { $dll } else { [Environment]::ProcessPath }
        $script:plainError = '^dynamicawscreds-credential-process: DynamicAwsCreds\.\w+: [^\e\r\n]+\r?\n?$'

        # Starts the helper on this test's store without waiting; -Pwsh $null leaves --pwsh out.
        function Start-Helper([string[]] $ArgumentList, [string] $Pwsh = $script:pwsh, [string] $Store = $script:store) {
            $info = [Diagnostics.ProcessStartInfo]::new($script:helper)
            foreach ($a in $ArgumentList) { $info.ArgumentList.Add($a) }
            if ($Pwsh) { $info.ArgumentList.Add('--pwsh'); $info.ArgumentList.Add($Pwsh) }
            $info.Environment['DYNAMICAWSCREDS_STORE'] = $Store
            $info.UseShellExecute = $false
            $info.RedirectStandardOutput = $info.RedirectStandardError = $info.RedirectStandardInput = $true
            $p = [Diagnostics.Process]::Start($info)
            $p.StandardInput.Close()
            $p | Add-Member -NotePropertyName StdOut -NotePropertyValue $p.StandardOutput.ReadToEndAsync()
            $p | Add-Member -NotePropertyName StdErr -NotePropertyValue $p.StandardError.ReadToEndAsync() -PassThru
        }
        function Complete-Helper($Process) {
            $Process.WaitForExit(240000) | Should -BeTrue
            $Process.WaitForExit()
            [pscustomobject]@{ ExitCode = $Process.ExitCode; StdOut = $Process.StdOut.Result; StdErr = $Process.StdErr.Result }
        }
        function Invoke-Helper([string[]] $ArgumentList = @('--role', 'dev'), [string] $Pwsh = $script:pwsh, [string] $Store = $script:store) {
            Complete-Helper (Start-Helper $ArgumentList $Pwsh $Store)
        }
        # A run that answered: exit 0, nothing on stderr, and stdout one line of credential_process JSON.
        function Read-Answer($Run) {
            $Run.ExitCode | Should -Be 0 -Because $Run.StdErr
            $Run.StdErr | Should -BeNullOrEmpty
            $Run.StdOut | Should -Match '^\{"Version":1,[^\r\n\e]+\}\r?\n$'
            $Run.StdOut | ConvertFrom-Json
        }
        # A run that handed over to a PowerShell that does not exist: it fails with one plain line and prints nothing.
        function Assert-HandedOver($Run) {
            $Run.ExitCode | Should -Be 1
            $Run.StdOut | Should -BeNullOrEmpty
            $Run.StdErr | Should -Match $script:plainError
            $Run.StdErr | Should -Match 'DynamicAwsCreds\.PowerShellNotStarted'
        }

        # The request's entry and the store's key file, as docs/CREDENTIAL-PROCESS-CACHE.md places them.
        function Get-CacheFolder { Join-Path (Split-Path $script:store) 'store.cp-cache' }
        function Get-EntryPath([string] $Mount = 'aws', [string] $Role = 'dev') {
            $request = "cp-request/1`n$($Mount.Length):$Mount`n$($Role.Length):$Role"
            $hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($request))).ToLowerInvariant()
            Join-Path (Get-CacheFolder) "$hash.entry"
        }
        function Get-KeyFile { Join-Path (Split-Path $script:store) 'store.key' }

        # Writes an entry as the documented format says, sealed with the store's key file: this file's own writer, not the engine's.
        function Write-Entry([string] $AccessKeyId, [string] $SecretAccessKey, [DateTime] $TermStart, [DateTime] $Expires) {
            $path = Get-EntryPath
            $time = { param($t) $t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [Globalization.CultureInfo]::InvariantCulture) }
            $fields = [ordered]@{ Mount = 'aws'; Role = 'dev'; LeaseId = 'aws/creds/dev/crafted'; AccessKeyId = $AccessKeyId; TermStart = (& $time $TermStart); Expires = (& $time $Expires) }
            $context = (@('cp-cache/1', (Split-Path $path -Leaf)) + @($fields.Values)) -join "`n"
            $plain = [Text.Encoding]::UTF8.GetBytes((@{ SecretAccessKey = $SecretAccessKey } | ConvertTo-Json -Compress))
            $sealed = [byte[]]::new(1 + 12 + 16 + $plain.Length)
            $sealed[0] = 1
            $nonce = [Security.Cryptography.RandomNumberGenerator]::GetBytes(12)
            [Array]::Copy($nonce, 0, $sealed, 1, 12)
            $gcm = [Security.Cryptography.AesGcm]::new([IO.File]::ReadAllBytes((Get-KeyFile)), 16)
            $cipher = [byte[]]::new($plain.Length); $tag = [byte[]]::new(16)
            $gcm.Encrypt($nonce, $plain, $cipher, $tag, [Text.Encoding]::UTF8.GetBytes($context))
            [Array]::Copy($tag, 0, $sealed, 13, 16); [Array]::Copy($cipher, 0, $sealed, 29, $cipher.Length)
            $entry = [ordered]@{ Format = 1 } + $fields + @{ Sealed = [Convert]::ToBase64String($sealed) }
            if (-not (Test-Path (Get-CacheFolder))) { New-Item -ItemType Directory -Path (Get-CacheFolder) | Out-Null; chmod 700 (Get-CacheFolder) }
            Set-Content -LiteralPath $path -Value ($entry | ConvertTo-Json -Compress) -NoNewline
            if (-not $IsWindows) { chmod 600 $path }
        }
    }
    AfterAll {
        Stop-LocalAws $script:server
    }
    BeforeEach {
        $script:store = Initialize-TestStore $script:server
        Set-AwsRole dev -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess
    }
    AfterEach {
        Revoke-Lease -Prefix aws/ -Force | Out-Null
        Clear-VaultUsers $script:server
        Remove-TestStore $script:store
    }

    It 'hands a miss over to Export-AwsCredential -Cache, printing what it prints and making one IAM user' {
        $answer = Read-Answer (Invoke-Helper)
        @(Get-VaultUserNames $script:server) | Should -HaveCount 1
        $lease = Get-Lease -Role dev
        $lease.AccessKeyId | Should -Be $answer.AccessKeyId
        $fromPowerShell = Export-AwsCredential -Role dev -Cache | ConvertFrom-Json
        $answer.PSObject.Properties.Name | Should -Be $fromPowerShell.PSObject.Properties.Name
        $answer.AccessKeyId | Should -Be $fromPowerShell.AccessKeyId
        $answer.SecretAccessKey | Should -Be $fromPowerShell.SecretAccessKey
        $answer.Expiration | Should -Be $fromPowerShell.Expiration
    }

    It 'answers a hit by itself: --pwsh /nonexistent still gets the same key, and only the JSON is on stdout' {
        $first = Read-Answer (Invoke-Helper)
        $run = Invoke-Helper -Pwsh '/nonexistent'
        $hit = Read-Answer $run
        $hit.AccessKeyId | Should -Be $first.AccessKeyId
        $hit.SecretAccessKey | Should -Be $first.SecretAccessKey
        $hit.Expiration | Should -Be $first.Expiration
        @(Get-VaultUserNames $script:server) | Should -HaveCount 1
    }

    It 'serves an entry written by the documented format, and hands over one near its end' {
        # This file's own writer, sealed with the store's key file (made by Set-AwsRootConfig's sealed secret).
        $now = [DateTime]::UtcNow
        Write-Entry -AccessKeyId 'AKIDEXAMPLECRAFTED01' -SecretAccessKey 'crafted/secret' -TermStart $now.AddMinutes(-10) -Expires $now.AddHours(1)
        $hit = Read-Answer (Invoke-Helper -Pwsh '/nonexistent')
        $hit.AccessKeyId | Should -Be 'AKIDEXAMPLECRAFTED01'
        $hit.SecretAccessKey | Should -Be 'crafted/secret'

        # 10 minutes left of a 2-hour term: less than the 15 minutes the rule keeps, so no longer handed out.
        Write-Entry -AccessKeyId 'AKIDEXAMPLECRAFTED02' -SecretAccessKey 'crafted/secret' -TermStart $now.AddHours(-2) -Expires $now.AddMinutes(10)
        Assert-HandedOver (Invoke-Helper -Pwsh '/nonexistent')
        $answer = Read-Answer (Invoke-Helper)
        $answer.AccessKeyId | Should -Not -Be 'AKIDEXAMPLECRAFTED02'
        $answer.AccessKeyId | Should -Be (Get-Lease -Role dev).AccessKeyId
    }

    It '6 helpers started at once on a cold cache make one IAM user and all print its key' {
        $runs = 1..6 | ForEach-Object { Start-Helper @('--role', 'dev') } | ForEach-Object { Complete-Helper $_ }
        $keys = foreach ($run in $runs) { (Read-Answer $run).AccessKeyId }
        @($keys | Sort-Object -Unique) | Should -HaveCount 1
        @(Get-VaultUserNames $script:server) | Should -HaveCount 1
        (Get-Lease -Role dev).AccessKeyId | Should -Be $keys[0]
    }

    It 'hands over after the lease is revoked, and the next call issues a new key' {
        $first = Read-Answer (Invoke-Helper)
        Revoke-Lease -Prefix aws/creds/dev | Out-Null
        Assert-HandedOver (Invoke-Helper -Pwsh '/nonexistent')
        $second = Read-Answer (Invoke-Helper)
        $second.AccessKeyId | Should -Not -Be $first.AccessKeyId
        (Get-Lease -Role dev).AccessKeyId | Should -Be $second.AccessKeyId
    }

    It 'hands over, never printing from it, a <Case> entry' -ForEach @(
        @{ Case = 'corrupt'; Spoil = { param($entry) Set-Content -LiteralPath $entry -Value '{"Format":1,"Mount":"aws","Ro' -NoNewline } }
        @{ Case = 'tampered'; Spoil = {
                # A later expiry, the rest untouched: the sealed secrets no longer open.
                param($entry)
                $json = Get-Content -LiteralPath $entry -Raw | ConvertFrom-Json
                $json.Expires = [DateTime]::UtcNow.AddDays(30).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [Globalization.CultureInfo]::InvariantCulture)
                Set-Content -LiteralPath $entry -Value ($json | ConvertTo-Json -Compress) -NoNewline
            }
        }
        @{ Case = 'other-format'; Spoil = {
                param($entry)
                $json = Get-Content -LiteralPath $entry -Raw | ConvertFrom-Json
                $json.Format = 2
                Set-Content -LiteralPath $entry -Value ($json | ConvertTo-Json -Compress) -NoNewline
            }
        }
        @{ Case = 'group-writable'; Spoil = { param($entry) chmod g+w $entry } }
        @{ Case = 'symbolic-link'; Spoil = {
                # The entry, whole and valid, moved out of the cache folder and linked back.
                param($entry)
                $outside = Join-Path (Split-Path $script:store) 'elsewhere.entry'
                Move-Item -LiteralPath $entry -Destination $outside
                New-Item -ItemType SymbolicLink -Path $entry -Target $outside | Out-Null
            }
        }
    ) {
        if ($IsWindows -and $Case -in 'group-writable', 'symbolic-link') { Set-ItResult -Skipped -Because 'Unix file modes and links'; return }
        $first = Read-Answer (Invoke-Helper)
        & $Spoil (Get-EntryPath)
        Assert-HandedOver (Invoke-Helper -Pwsh '/nonexistent')
        # Through PowerShell: the same lease's key (its store cache still holds it), and an entry it can use again.
        $answer = Read-Answer (Invoke-Helper)
        $answer.AccessKeyId | Should -Be $first.AccessKeyId
        (Read-Answer (Invoke-Helper -Pwsh '/nonexistent')).AccessKeyId | Should -Be $first.AccessKeyId
    }

    It 'hands over when the key file is writable by its group, and PowerShell refuses the store' -Skip:$IsWindows {
        $null = Read-Answer (Invoke-Helper)
        chmod g+w (Get-KeyFile)
        try {
            Assert-HandedOver (Invoke-Helper -Pwsh '/nonexistent')
            $run = Invoke-Helper
            $run.ExitCode | Should -Not -Be 0
            $run.StdOut | Should -BeNullOrEmpty
            $run.StdErr | Should -Match 'DynamicAwsCreds\.StoreInsecure'
        }
        finally { chmod g-w (Get-KeyFile) }
    }

    It 'hands over when the cache folder is writable by its group' -Skip:$IsWindows {
        $null = Read-Answer (Invoke-Helper)
        chmod g+w (Get-CacheFolder)
        try { Assert-HandedOver (Invoke-Helper -Pwsh '/nonexistent') }
        finally { chmod g-w (Get-CacheFolder) }
    }

    It 'hands a shared (dynamodb://) store over, reading no file' {
        Assert-HandedOver (Invoke-Helper -Pwsh '/nonexistent' -Store 'dynamodb://dac-helper?region=us-east-1&endpoint=http://127.0.0.1:9')
    }

    It 'refuses <Why> with exit code 2 and one plain stderr line' -ForEach @(
        @{ Why = 'no arguments'; Arguments = @() }
        @{ Why = 'no --role'; Arguments = @('--mount', 'aws') }
        @{ Why = 'a missing value'; Arguments = @('--role') }
        @{ Why = 'an empty value'; Arguments = @('--role', '') }
        @{ Why = 'an unknown argument'; Arguments = @('--role', 'dev', '--profile', 'x') }
        @{ Why = 'a repeated argument'; Arguments = @('--role', 'dev', '--role', 'ops') }
    ) {
        $run = Invoke-Helper -ArgumentList $Arguments -Pwsh $null
        $run.ExitCode | Should -Be 2
        $run.StdOut | Should -BeNullOrEmpty
        $run.StdErr | Should -Match $script:plainError
        $run.StdErr | Should -Match 'DynamicAwsCreds\.InvalidArgument'
    }
}
