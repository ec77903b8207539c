# Several hosts on one shared store: a DynamoDB table in dynalite (an independent DynamoDB implementation) and one AWS
# account in LocalAws. Each host is a fresh pwsh with its own DYNAMICAWSCREDS_HOST_ID; the SDK's default chain gives
# the store and the mount's IAM calls LocalAws's root keys (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), so no key is
# stored (but in the last block, which seals them with KMS). One dynalite and one LocalAws serve the file (the last
# block adds a LocalAws that enforces README's policies); every test gets a new table.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SharedStore.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
    $script:dynamo = Start-Dynalite
    # AddUserToGroup waits two minutes: an issue for a role with a group stays in flight, its user made and carrying
    # the expiry guard (sent beside AddUserToGroup), until the test kills the process. No other role has a group.
    $script:server = Start-TestLocalAws -ArgumentList '--delay', 'AddUserToGroup:120000'
    Invoke-LocalIam -Server $script:server -Action CreateGroup -Parameters @{ GroupName = 'slow-group' } | Out-Null

    # The environment of host <HostId>: its id, LocalAws's root keys for the default chain, and the intent deadline.
    function Get-HostEnvironment([string] $HostId, [string] $IntentDeadline) {
        Get-SharedHostEnvironment -Server $script:server -HostId $HostId -IntentDeadline $IntentDeadline
    }

    # The JSON object a host's script wrote last to its output.
    function Read-HostResult($Run) {
        $line = @($Run.StdOut -split "`n" | Where-Object { $_.Trim().StartsWith('{') }) | Select-Object -Last 1
        if (-not $line) { throw "No result from the host: $($Run.StdOut)$($Run.StdErr)" }
        $line | ConvertFrom-Json
    }

    # A new table with the aws mount, role dev and the default chain, set up from this process as host 'pester'
    # (which also checks outcomes); the file's other roles are added by the tests that need them.
    function Initialize-SharedStore {
        $script:store = New-SharedStoreUri -Dynamo $script:dynamo -Server $script:server
        $script:saved = Enter-SharedHost -Server $script:server -Store $script:store
        Enable-SecretsEngine aws | Out-Null
        Set-AwsRole dev -PolicyArn $script:readOnly
        Set-AwsRootConfig -IamEndpoint $script:server.Endpoint -StsEndpoint $script:server.Endpoint
    }

    function Get-RequestsSince([DateTime] $Since) {
        @(Get-LocalAwsRequestLog $script:server | Where-Object { ([DateTime]$_.ReceivedUtc).ToUniversalTime() -ge $Since })
    }
}

AfterAll {
    if ($script:server) { Stop-LocalAws $script:server }
    if ($script:dynamo) { Stop-Dynalite $script:dynamo }
}

Describe 'Hosts sharing one DynamoDB store' {
    BeforeEach { Initialize-SharedStore }
    AfterEach {
        Clear-VaultUsers $script:server
        Exit-SharedHost $script:saved
    }

    It 'issues on host A, lists and revokes on host B; the IAM user is gone' {
        $a = Invoke-FreshPwsh -StorePath $script:store -Environment (Get-HostEnvironment host-a) -Script @'
$c = Get-AwsCredential dev
[pscustomobject]@{ LeaseId = $c.LeaseId; UserName = $c.UserName; StoreId = (Get-SecretsEngine aws).StoreId }
'@
        Get-VaultUserNames $script:server | Should -Be @($a.UserName)

        $b = Invoke-FreshPwsh -StorePath $script:store -Environment (Get-HostEnvironment host-b) -Variables @{ Id = $a.LeaseId } -Script @'
$seen = @(Get-Lease)
$revoked = Revoke-Lease $Id
[pscustomobject]@{
    Leases = @($seen.LeaseId); UserName = $seen[0].UserName; StoreId = (Get-SecretsEngine aws).StoreId
    Revoked = $revoked.Revoked; Failed = $revoked.Failed; Left = @(Get-Lease).Count
}
'@
        $b.StoreId | Should -Be $a.StoreId
        @($b.Leases) | Should -Be @($a.LeaseId)
        $b.UserName | Should -Be $a.UserName
        $b.Revoked | Should -Be 1
        $b.Failed | Should -Be 0
        $b.Left | Should -Be 0

        { Invoke-LocalIam -Server $script:server -Action GetUser -Parameters @{ UserName = $a.UserName } } | Should -Throw -ExpectedMessage '*NoSuchEntity*'
        { Get-Lease $a.LeaseId -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.LeaseNotFound*'
    }

    It 'five hosts issuing at once get five leases and five users; one prefix revoke leaves none' {
        $runs = Invoke-AtOnce -StorePath $script:store `
            -Scripts (1..5 | ForEach-Object { 'Get-AwsCredential dev | Select-Object LeaseId, UserName | ConvertTo-Json -Compress' }) `
            -Environments (1..5 | ForEach-Object { Get-HostEnvironment "host-$_" })
        $runs | ForEach-Object { $_.ExitCode | Should -Be 0 -Because "$($_.StdOut)$($_.StdErr)" }
        $issued = @($runs | ForEach-Object { Read-HostResult $_ })
        @($issued.LeaseId | Sort-Object -Unique).Count | Should -Be 5

        $leases = @(Get-Lease -Prefix aws/creds/dev)
        @($leases.LeaseId | Sort-Object) | Should -Be @($issued.LeaseId | Sort-Object)
        @(Get-VaultUserNames $script:server | Sort-Object) | Should -Be @($issued.UserName | Sort-Object)

        $revoked = Invoke-FreshPwsh -StorePath $script:store -Environment (Get-HostEnvironment host-6) -Script 'Revoke-Lease -Prefix aws/creds/dev | Select-Object Revoked, Failed'
        $revoked.Revoked | Should -Be 5
        $revoked.Failed | Should -Be 0
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
        Get-Lease -Prefix aws/creds/dev | Should -BeNullOrEmpty
    }

    It 'two hosts sweeping at once revoke each expired lease once, and their summaries add up' {
        $count = 16
        $issued = 1..$count | ForEach-Object { Get-AwsCredential dev -Ttl 1 }
        # The expiry guard keeps whole seconds, so a one-second lease is certainly over two seconds on.
        Start-Sleep -Milliseconds 2500
        @(Get-Lease -Expired).Count | Should -Be $count

        $since = [DateTime]::UtcNow
        $sweep = 'Revoke-Lease -Expired -Confirm:$false | Select-Object Revoked, Failed, Skipped | ConvertTo-Json -Compress'
        $runs = Invoke-AtOnce -StorePath $script:store -Scripts $sweep, $sweep -Environments (Get-HostEnvironment sweep-1), (Get-HostEnvironment sweep-2)
        $runs | ForEach-Object { $_.ExitCode | Should -Be 0 -Because "$($_.StdOut)$($_.StdErr)" }
        $summaries = @($runs | ForEach-Object { Read-HostResult $_ })

        ($summaries | Measure-Object Revoked -Sum).Sum | Should -Be $count
        ($summaries | Measure-Object Failed -Sum).Sum | Should -Be 0
        # Every user was deleted (a user can be deleted once), and no host ever met a user the other had already removed.
        $requests = Get-RequestsSince $since
        @($requests | Where-Object { $_.Action -eq 'DeleteUser' -and $_.StatusCode -eq 200 }).Count | Should -Be $count
        @($requests | Where-Object ErrorCode -eq 'NoSuchEntity' | ForEach-Object Action) | Should -BeNullOrEmpty
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
        Get-Lease | Should -BeNullOrEmpty
        @($issued).Count | Should -Be $count
    }
}

Describe 'A host killed while issuing on a shared store' {
    BeforeEach {
        Initialize-SharedStore
        Set-AwsRole slow -PolicyArn $script:readOnly -IamGroup slow-group
    }
    AfterEach {
        Clear-VaultUsers $script:server
        Exit-SharedHost $script:saved
    }

    It 'leaves the half-made user to its owner until the deadline passes, then another host removes it' {
        $deadline = [TimeSpan]::FromSeconds(30)
        $started = [DateTime]::UtcNow
        $victim = Start-FreshPwsh -StorePath $script:store -Environment (Get-HostEnvironment host-a '30s') -Script 'Get-AwsCredential slow'
        try {
            # Killed once its user carries the expiry guard (and with it the ownership marker), mid-issue.
            Wait-Until -TimeoutSeconds 60 -Because 'host A made its user and put the expiry guard on it' {
                $user = Get-VaultUserNames $script:server
                $user -and 'DynamicAwsCreds-ExpiryGuard' -in @((Invoke-LocalIam -Server $script:server -Action ListUserPolicies -Parameters @{ UserName = $user }).ListUserPoliciesResponse.ListUserPoliciesResult.PolicyNames.member)
            }
            $half = Get-VaultUserNames $script:server
            $half | Should -HaveCount 1
        }
        finally {
            $victim.Kill()   # SIGKILL: no finally block, no rollback
            $victim.WaitForExit()
            Remove-Item $victim.ScriptFile -ErrorAction SilentlyContinue
        }
        $killed = [DateTime]::UtcNow

        # Before the deadline: host B issues, revokes its own lease and sweeps; A's user is not B's to touch.
        $since = [DateTime]::UtcNow
        $early = Invoke-FreshPwsh -StorePath $script:store -Environment (Get-HostEnvironment host-b '30s') -Script @'
$own = Get-AwsCredential dev
$mine = Revoke-Lease $own.LeaseId
$swept = Revoke-Lease -Expired -Confirm:$false
[pscustomobject]@{ Own = $own.UserName; Revoked = $mine.Revoked; Swept = $swept.Revoked }
'@
        # A's intent was written after $started, so its deadline lies at least $deadline after it.
        if ([DateTime]::UtcNow - $started -ge $deadline) { Set-ItResult -Inconclusive -Because 'host B did not finish before host A''s deadline on this machine' }
        $early.Revoked | Should -Be 1
        Get-VaultUserNames $script:server | Should -Be @($half)
        @((Invoke-LocalIam -Server $script:server -Action ListUserPolicies -Parameters @{ UserName = $half }).ListUserPoliciesResponse.ListUserPoliciesResult.PolicyNames.member) |
            Should -Contain 'DynamicAwsCreds-ExpiryGuard'
        # B's only DeleteUser was its own user's.
        @(Get-RequestsSince $since | Where-Object Action -eq 'DeleteUser').Count | Should -Be 1

        # After the deadline (A moved it on at most until it was killed): B's sweep removes the half-made user.
        $wait = $killed + $deadline + [TimeSpan]::FromSeconds(1) - [DateTime]::UtcNow
        if ($wait -gt [TimeSpan]::Zero) { Start-Sleep -Milliseconds ([int]$wait.TotalMilliseconds) }
        Invoke-FreshPwsh -StorePath $script:store -Environment (Get-HostEnvironment host-b '30s') -Script 'Revoke-Lease -Expired -Confirm:$false' | Out-Null
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
        Get-Lease | Should -BeNullOrEmpty
    }
}

Describe 'Root keys sealed with KMS under the policy README.md documents' {
    BeforeAll {
        # The root key may do what README's root policy allows plus the KMS statement of README's store policy, which
        # LocalAws evaluates as AWS does (the table's DynamoDB statement has nothing to check it in dynalite).
        $account = '123456789012'
        $readme = Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '..' '..' 'README.md')
        $policies = foreach ($heading in '## The IAM policy for the root credentials', '### The IAM policy for the store') {
            $section = $readme.Substring($readme.IndexOf($heading, [StringComparison]::Ordinal) + $heading.Length)
            $section = $section.Substring(0, $section.IndexOf("`n#", [StringComparison]::Ordinal))
            [regex]::Match($section, '(?s)```json\r?\n(.*?)\r?\n```').Groups[1].Value.Replace('ACCOUNT-ID', $account) | ConvertFrom-Json
        }
        $kms = @($policies[1].Statement | Where-Object { @($_.Action) -like 'kms:*' })
        $kms | Should -HaveCount 1
        # README's example names a region and a key id; LocalAws's key is in us-east-1 and gets its id at start.
        $kms[0].Resource = $kms[0].Resource.Replace('eu-west-1', 'us-east-1').Replace('KEY-ID', '*')
        $file = Join-Path ([IO.Path]::GetTempPath()) "dac-root-policy-$([guid]::NewGuid().ToString('n')).json"
        @{ Version = '2012-10-17'; Statement = @($policies[0].Statement) + $kms } | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $file
        try { $script:policed = Start-TestLocalAws -ArgumentList '--account-id', $account, '--root-policy', $file, '--kms-key', 'alias/dac-team' }
        finally { Remove-Item -LiteralPath $file }
        $script:policedRoot = "arn:aws:iam::$($account):user/localaws-root"
    }
    AfterAll { if ($script:policed) { Stop-LocalAws $script:policed } }

    It 'seals the root keys on one host and issues and revokes with them on another, with no call refused' {
        $store = New-SharedStoreUri -Dynamo $script:dynamo -Server $script:policed
        $saved = Enter-SharedHost -Server $script:policed -Store $store
        try {
            $mark = @(Get-LocalAwsRequestLog $script:policed).Count
            Enable-SecretsEngine aws | Out-Null
            Set-AwsRole dev -PolicyArn $script:readOnly
            Set-AwsRootConfig -AccessKey $script:policed.RootAccessKey -SecretKey $script:policed.RootSecretKey -KmsKeyId alias/dac-team -IamEndpoint $script:policed.Endpoint

            $other = Get-SharedHostEnvironment -Server $script:policed -HostId host-b
            $done = Invoke-FreshPwsh -StorePath $store -Environment $other -Script @'
$c = Get-AwsCredential dev
[pscustomobject]@{ Source = (Get-AwsRootConfig).CredentialSource; Revoked = (Revoke-Lease $c.LeaseId).Revoked }
'@
            $done.Source | Should -Be 'RootConfig'
            $done.Revoked | Should -Be 1
            $log = @(Get-LocalAwsRequestLog $script:policed | Select-Object -Skip $mark)
            @($log | Where-Object Action -in 'Encrypt', 'Decrypt').Count | Should -BeGreaterOrEqual 2
            @($log | Where-Object { $_.StatusCode -eq 403 -and $_.CallerArn -eq $script:policedRoot } | ForEach-Object { "$($_.Action) $($_.ErrorCode)" }) |
                Should -BeNullOrEmpty -Because 'README''s policies must allow every call the module makes'
        }
        finally { Exit-SharedHost $saved }
    }
}
