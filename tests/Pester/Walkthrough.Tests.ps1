# Vault's AWS secrets engine walkthrough (secrets enable, roles, config/root, creds, lease revoke), step for step,
# against LocalAws as eventually consistent as IAM (new users, policies and keys reach other calls after up to 2 s; a
# new key is refused for 2 s); IAM state is checked through LocalAws's own IAM API. It runs on each kind of store: the
# per-user SQLite file, and the shared DynamoDB table (in dynalite; root keys sealed with LocalAws's KMS key, the
# store and KMS reached with LocalAws's root keys from the SDK's default chain).
BeforeDiscovery { }

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SharedStore.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:kmsKey = 'alias/dac-walkthrough'
    $script:server = Start-TestLocalAws -EventuallyConsistent -ArgumentList '--kms-key', $script:kmsKey
    $script:readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
    $script:dynamo = $null

    function Get-VaultUsers {
        $xml = Invoke-LocalIam -Server $script:server -Action ListUsers
        @($xml.ListUsersResponse.ListUsersResult.Users.member | Where-Object { $_ -and $_.UserName -like 'vault-*' })
    }

    # Makes a new store of kind $Kind ('SQLite' or 'DynamoDB') this session's, with KMS at $Server; returns its location.
    function Enter-WalkthroughStore([string] $Kind, $Server) {
        if ($Kind -eq 'SQLite') {
            $script:saved = $null
            $store = New-TestStore
            $env:DYNAMICAWSCREDS_STORE = $store
            return $store
        }
        if (-not $script:dynamo) { $script:dynamo = Start-Dynalite }
        $store = New-SharedStoreUri -Dynamo $script:dynamo -Server $Server
        $script:saved = Enter-SharedHost -Server $Server -Store $store
        $store
    }

    function Exit-WalkthroughStore([string] $Kind, [string] $Store) {
        if ($Kind -eq 'SQLite') { Remove-TestStore $Store }
        else { Exit-SharedHost $script:saved }
    }

    # Set-AwsRootConfig with $Server's root keys; a shared store seals them with the KMS key.
    function Set-WalkthroughRoot([string] $Kind, $Server, [hashtable] $More = @{}) {
        $kms = if ($Kind -eq 'DynamoDB') { @{ KmsKeyId = $script:kmsKey } } else { @{} }
        Set-AwsRootConfig -AccessKey $Server.RootAccessKey -SecretKey $Server.RootSecretKey -IamEndpoint $Server.Endpoint @kms @More
    }

    function Initialize-Walkthrough([string] $Kind) {
        Enable-SecretsEngine aws | Out-Null
        Set-AwsRole developer-access -PolicyArn $script:readOnly
        Set-WalkthroughRoot $Kind $script:server @{ StsEndpoint = $script:server.Endpoint }
    }
}

AfterAll {
    if ($script:server) { Stop-LocalAws $script:server }
    if ($script:dynamo) { Stop-Dynalite $script:dynamo }
}

Describe 'The Vault AWS walkthrough on <Kind>' -ForEach @(@{ Kind = 'SQLite' }, @{ Kind = 'DynamoDB' }) {
    BeforeEach {
        $script:store = Enter-WalkthroughStore $Kind $script:server
        Initialize-Walkthrough $Kind
    }
    AfterEach {
        Get-Lease | Revoke-Lease -Force -ErrorAction SilentlyContinue | Out-Null
        Exit-WalkthroughStore $Kind $script:store
    }

    It 'issues a vault-* IAM user with ReadOnlyAccess and a working access key' {
        $cred = Get-AwsCredential developer-access -WaitUntilUsable

        $cred.LeaseId | Should -Match '^aws/creds/developer-access/[A-Za-z0-9]{24}$'
        $cred.LeaseDuration | Should -Be ([timespan]::FromHours(768))
        $cred.Renewable | Should -BeTrue
        $cred.AccessKey | Should -Match '^AKIA[A-Z0-9]{16}$'
        $cred.SecretKey.Length | Should -Be 40
        $cred.SessionToken | Should -BeNullOrEmpty
        $cred.CredentialType | Should -Be 'iam_user'
        $cred.UserName | Should -BeLike 'vault-*'
        $cred.UserName.Length | Should -BeLessOrEqual 64
        $cred.Expiration.Kind | Should -Be 'Utc'

        $user = Invoke-LocalIam -Server $script:server -Action GetUser -Parameters @{ UserName = $cred.UserName }
        $user.GetUserResponse.GetUserResult.User.UserName | Should -Be $cred.UserName
        Wait-Until -Because 'ListAttachedUserPolicies shows ReadOnlyAccess' {
            $attached = Invoke-LocalIam -Server $script:server -Action ListAttachedUserPolicies -Parameters @{ UserName = $cred.UserName }
            @($attached.ListAttachedUserPoliciesResponse.ListAttachedUserPoliciesResult.AttachedPolicies.member.PolicyArn) -contains $script:readOnly
        }
        Wait-Until -Because 'ListAccessKeys shows the new key' {
            $keys = Invoke-LocalIam -Server $script:server -Action ListAccessKeys -Parameters @{ UserName = $cred.UserName }
            (@($keys.ListAccessKeysResponse.ListAccessKeysResult.AccessKeyMetadata.member | Where-Object { $_ }).AccessKeyId -join ',') -eq $cred.AccessKey
        }

        $me = Invoke-LocalIam -Server $script:server -Service sts -Action GetCallerIdentity -AccessKey $cred.AccessKey -SecretKey $cred.SecretKey
        $me.GetCallerIdentityResponse.GetCallerIdentityResult.Arn | Should -BeLike "*:user/$($cred.UserName)"
    }

    It 'never shows the secret in the default view or ToString()' {
        $cred = Get-AwsCredential developer-access
        ($cred | Out-String) | Should -Not -Match ([regex]::Escape($cred.SecretKey))
        ($cred | Format-Table | Out-String) | Should -Not -Match ([regex]::Escape($cred.SecretKey))
        $cred.ToString() | Should -Not -Match ([regex]::Escape($cred.SecretKey))
        $cred.PSObject.Properties.Name | Should -Not -Contain 'ProfileName'
        $cred.PSObject.Properties.Name | Should -Not -Contain 'RoleArn'
    }

    It 'deletes the IAM user on Revoke-Lease' {
        $cred = Get-AwsCredential developer-access
        $result = Revoke-Lease $cred.LeaseId
        $result.Revoked | Should -Be 1
        $result.Failed | Should -Be 0

        { Invoke-LocalIam -Server $script:server -Action GetUser -Parameters @{ UserName = $cred.UserName } } |
            Should -Throw -ExpectedMessage '*NoSuchEntity*'
        { Get-Lease $cred.LeaseId -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.LeaseNotFound*'
    }

    It 'revokes lease objects from the pipeline' {
        $creds = 1..2 | ForEach-Object { Get-AwsCredential developer-access }
        $result = $creds | Revoke-Lease
        $result.Revoked | Should -Be 2
        Get-VaultUsers | Should -BeNullOrEmpty
    }

    It 'leaves no user after Revoke-Lease -Prefix over 5 leases' {
        $creds = 1..5 | ForEach-Object { Get-AwsCredential developer-access }
        (Get-VaultUsers).Count | Should -Be 5
        @(Get-Lease -Prefix aws/creds/developer-access).Count | Should -Be 5

        $result = Revoke-Lease -Prefix aws/creds/developer-access
        $result.Revoked | Should -Be 5
        Get-VaultUsers | Should -BeNullOrEmpty
        Get-Lease -Prefix aws/creds/developer-access | Should -BeNullOrEmpty
    }

    It 'is idempotent: a user already gone counts as revoked' {
        $cred = Get-AwsCredential developer-access
        # Deleting by hand, as in IAM: each call succeeds once what it removes has reached it.
        Wait-Until -Because 'the key can be deleted' { Invoke-LocalIam -Server $script:server -Action DeleteAccessKey -Parameters @{ UserName = $cred.UserName; AccessKeyId = $cred.AccessKey } }
        Wait-Until -Because 'the expiry guard can be deleted' { Invoke-LocalIam -Server $script:server -Action DeleteUserPolicy -Parameters @{ UserName = $cred.UserName; PolicyName = 'DynamicAwsCreds-ExpiryGuard' } }
        Wait-Until -Because 'the policy can be detached' { Invoke-LocalIam -Server $script:server -Action DetachUserPolicy -Parameters @{ UserName = $cred.UserName; PolicyArn = $script:readOnly } }
        Invoke-LocalIam -Server $script:server -Action DeleteUser -Parameters @{ UserName = $cred.UserName } | Out-Null
        (Revoke-Lease $cred.LeaseId).Revoked | Should -Be 1
        Get-Lease | Should -BeNullOrEmpty
    }

    It 'honours -WhatIf: nothing is issued or revoked' {
        Get-AwsCredential developer-access -WhatIf | Should -BeNullOrEmpty
        Get-VaultUsers | Should -BeNullOrEmpty
        $cred = Get-AwsCredential developer-access
        Revoke-Lease -Prefix aws/creds/developer-access -WhatIf | Out-Null
        (Get-VaultUsers).Count | Should -Be 1
        Revoke-Lease $cred.LeaseId -WhatIf | Out-Null
        (Get-Lease $cred.LeaseId).LeaseId | Should -Be $cred.LeaseId
    }

    It 'keeps mounts, roles, root config and leases for a new pwsh process' {
        $issued = Invoke-FreshPwsh -StorePath $script:store -Script @'
1..3 | ForEach-Object { Get-AwsCredential developer-access } | Select-Object LeaseId, UserName
'@
        $issued.Count | Should -Be 3
        (Get-VaultUsers).Count | Should -Be 3

        $seen = Invoke-FreshPwsh -StorePath $script:store -Script @'
[pscustomobject]@{
    Mounts = @(Get-SecretsEngine).Path
    Role = (Get-AwsRole developer-access).PolicyArns
    Root = (Get-AwsRootConfig).CredentialSource
    Leases = @(Get-Lease -Prefix aws/creds/developer-access).LeaseId
}
'@
        $seen.Mounts | Should -Be @('aws')
        $seen.Role | Should -Be @($script:readOnly)
        $seen.Root | Should -Be 'RootConfig'
        @($seen.Leases | Sort-Object) | Should -Be @($issued.LeaseId | Sort-Object)

        $revoked = Invoke-FreshPwsh -StorePath $script:store -Script 'Revoke-Lease -Prefix aws/creds/developer-access'
        $revoked.Revoked | Should -Be 3
        Get-VaultUsers | Should -BeNullOrEmpty
    }

    It 'never writes the issued secret key or the root secret to the store folder' -Skip:($Kind -ne 'SQLite') {
        $creds = 1..3 | ForEach-Object { Get-AwsCredential developer-access }
        $folder = Split-Path $script:store
        $files = Get-ChildItem $folder -File -Force
        $files.Name | Should -Contain 'store.db'
        foreach ($file in $files) {
            $text = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($file.FullName))
            $text | Should -Not -Match ([regex]::Escape($script:server.RootSecretKey))
            foreach ($c in $creds) { $text | Should -Not -Match ([regex]::Escape($c.SecretKey)) }
        }
    }

    It 'never writes the issued secret key or the root secret to the table' -Skip:($Kind -ne 'DynamoDB') {
        $creds = 1..3 | ForEach-Object { Get-AwsCredential developer-access }
        $text = Get-DynamoTableText -Dynamo $script:dynamo -Table (Get-SharedStoreTable $script:store)
        $text | Should -Match ([regex]::Escape($creds[0].LeaseId.Split('/')[-1]))
        $text | Should -Not -Match ([regex]::Escape($script:server.RootSecretKey))
        foreach ($c in $creds) { $text | Should -Not -Match ([regex]::Escape($c.SecretKey)) }
    }

    It 'creates the store folder 0700 and its files 0600' -Skip:($IsWindows -or $Kind -ne 'SQLite') {
        Get-AwsCredential developer-access | Out-Null
        $folder = Split-Path $script:store
        (Get-Item $folder).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        foreach ($file in Get-ChildItem $folder -File -Force) {
            $file.UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        }
    }
}

Describe 'A failure half-way through issuing on <Kind>' -ForEach @(@{ Kind = 'SQLite' }, @{ Kind = 'DynamoDB' }) {

    It 'leaves no IAM user and no lease when <Action> fails' -ForEach @(
        @{ Action = 'CreateAccessKey' }
        @{ Action = 'AttachUserPolicy' }
    ) {
        $faulty = Start-TestLocalAws -EventuallyConsistent -ArgumentList '--fail', "$($Action):1", '--kms-key', $script:kmsKey
        $store = Enter-WalkthroughStore $Kind $faulty
        try {
            Enable-SecretsEngine aws | Out-Null
            Set-AwsRole developer-access -PolicyArn $script:readOnly
            Set-WalkthroughRoot $Kind $faulty @{ MaxRetries = 0 }

            { Get-AwsCredential developer-access -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.AwsUnavailable*'

            $users = Invoke-LocalIam -Server $faulty -Action ListUsers
            @($users.ListUsersResponse.ListUsersResult.Users.member | Where-Object { $_ -and $_.UserName -like 'vault-*' }) | Should -BeNullOrEmpty
            Get-Lease | Should -BeNullOrEmpty
            (Get-SecretsEngine aws).LeaseCount | Should -Be 0

            # The next call succeeds: the fault hit only the first.
            $cred = Get-AwsCredential developer-access
            $cred.UserName | Should -BeLike 'vault-*'
            Revoke-Lease $cred.LeaseId | Out-Null
        }
        finally {
            Exit-WalkthroughStore $Kind $store
            Stop-LocalAws $faulty
        }
    }
}
