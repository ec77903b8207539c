# Bad input gets a DynamicAwsCreds.<Reason> error with the right category and target, and changes
# nothing: neither the store's bytes nor LocalAws's users.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:server = Start-TestLocalAws

    function Get-StoreSnapshot {
        $folder = Split-Path $env:DYNAMICAWSCREDS_STORE
        $users = (Invoke-LocalIam -Server $script:server -Action ListUsers).OuterXml -replace '<RequestId>[^<]*</RequestId>', ''
        # -shm is SQLite's shared-memory index, rewritten by reads; the data lives in the db and its -wal.
        $files = Get-ChildItem $folder -File -Force | Where-Object Name -NotLike '*-shm' | Sort-Object Name | ForEach-Object {
            "$($_.Name):$((Get-FileHash $_.FullName -Algorithm SHA256).Hash)"
        }
        ($files + $users) -join "`n"
    }
}

AfterAll { if ($script:server) { Stop-LocalAws $script:server } }

Describe 'Bad input' {
    BeforeAll {
        $script:store = New-TestStore
        $env:DYNAMICAWSCREDS_STORE = $script:store
        Enable-SecretsEngine aws | Out-Null
        Set-AwsRole developer-access -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess
        Set-AwsRootConfig -AccessKey $script:server.RootAccessKey -SecretKey $script:server.RootSecretKey -IamEndpoint $script:server.Endpoint
        $script:lease = Get-AwsCredential developer-access
    }
    AfterAll {
        Revoke-Lease -Prefix aws/ -Force | Out-Null
        Remove-TestStore $script:store
    }

    It '<Name> gives DynamicAwsCreds.<Reason> (<Category>) and changes nothing' -ForEach @(
        @{ Name = 'unknown role'; Reason = 'RoleNotFound'; Category = 'ObjectNotFound'; Target = 'no-such-role'; Command = { Get-AwsCredential no-such-role } }
        @{ Name = 'unknown mount'; Reason = 'MountNotFound'; Category = 'ObjectNotFound'; Target = 'nowhere'; Command = { Get-AwsCredential developer-access -Path nowhere } }
        @{ Name = 'role on a mount not enabled'; Reason = 'MountNotFound'; Category = 'ObjectNotFound'; Target = 'team/aws'; Command = { Set-AwsRole dev -Path team/aws -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess } }
        @{ Name = 'enabling a path twice'; Reason = 'PathInUse'; Category = 'ResourceExists'; Target = 'aws'; Command = { Enable-SecretsEngine aws } }
        @{ Name = 'malformed policy ARN'; Reason = 'InvalidPolicyArn'; Category = 'InvalidArgument'; Target = 'arn:aws:s3:::bucket'; Command = { Set-AwsRole developer-access -PolicyArn arn:aws:s3:::bucket } }
        @{ Name = 'invalid role name'; Reason = 'InvalidRoleName'; Category = 'InvalidArgument'; Target = '-bad name-'; Command = { Set-AwsRole '-bad name-' -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess } }
        @{ Name = 'lease id not found'; Reason = 'LeaseNotFound'; Category = 'ObjectNotFound'; Target = 'aws/creds/developer-access/AAAAAAAAAAAAAAAAAAAAAAAA'; Command = { Revoke-Lease aws/creds/developer-access/AAAAAAAAAAAAAAAAAAAAAAAA -ErrorAction Stop } }
        @{ Name = 'malformed lease id'; Reason = 'InvalidLeaseId'; Category = 'InvalidArgument'; Target = 'aws/creds/../x'; Command = { Get-Lease 'aws/creds/../x' -ErrorAction Stop } }
        @{ Name = 'invalid duration'; Reason = 'InvalidDuration'; Category = 'InvalidArgument'; Target = 'forever'; Command = { Get-AwsCredential developer-access -Ttl forever } }
        @{ Name = 'invalid mount path'; Reason = 'InvalidMountPath'; Category = 'InvalidArgument'; Target = '../etc'; Command = { Enable-SecretsEngine aws -Path ../etc } }
        @{ Name = 'unknown engine type'; Reason = 'UnsupportedEngineType'; Category = 'InvalidArgument'; Target = 'kv'; Command = { Enable-SecretsEngine kv -Path kv } }
        @{ Name = 'invalid endpoint'; Reason = 'InvalidEndpoint'; Category = 'InvalidArgument'; Target = 'ftp://x'; Command = { Set-AwsRootConfig -IamEndpoint ftp://x } }
        @{ Name = 'half a key pair'; Reason = 'IncompleteRootCredentials'; Category = 'InvalidArgument'; Target = 'SecretKey'; Command = { Set-AwsRootConfig -AccessKey AKIDEXAMPLE0000000 } }
        @{ Name = 'policy document not JSON'; Reason = 'InvalidPolicyDocument'; Category = 'InvalidArgument'; Target = 'PolicyDocument'; Command = { Set-AwsRole developer-access -PolicyDocument '{not json' } }
        @{ Name = 'unknown credential type'; Reason = 'InvalidCredentialType'; Category = 'InvalidArgument'; Target = 'root_user'; Command = { Set-AwsRole developer-access -CredentialType root_user } }
    ) {
        $before = Get-StoreSnapshot
        $err = $null
        try { & $Command } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty -Because 'bad input must fail'
        $err.FullyQualifiedErrorId | Should -BeLike "DynamicAwsCreds.$Reason,*"
        $err.CategoryInfo.Category | Should -Be $Category
        $err.TargetObject | Should -Be $Target
        Get-StoreSnapshot | Should -Be $before
    }

    It 'an AWS refusal keeps AWS''s code and message and leaves nothing behind' {
        Set-AwsRole missing-policy -PolicyArn arn:aws:iam::aws:policy/NoSuchPolicyAnywhere
        $before = Get-StoreSnapshot
        $err = $null
        try { Get-AwsCredential missing-policy } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'DynamicAwsCreds.AwsNoSuchEntity,*'
        $err.Exception.Message | Should -BeLike '*NoSuchEntity*'
        $users = Invoke-LocalIam -Server $script:server -Action ListUsers
        @($users.ListUsersResponse.ListUsersResult.Users.member | Where-Object { $_ -and $_.UserName -like 'vault-*missing-policy*' }) | Should -BeNullOrEmpty
        Get-Lease -Role missing-policy | Should -BeNullOrEmpty
    }
}

Describe 'Missing root credentials' {
    BeforeAll {
        $script:saved = @{}
        foreach ($name in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI') {
            $script:saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $null)
        }
        $missing = Join-Path ([IO.Path]::GetTempPath()) "dac-no-aws-$([guid]::NewGuid().ToString('n'))"
        $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $missing 'credentials'
        $env:AWS_CONFIG_FILE = Join-Path $missing 'config'
        # Never reach for the instance metadata address in a test.
        $env:AWS_EC2_METADATA_DISABLED = 'true'
        $script:store = New-TestStore
        $env:DYNAMICAWSCREDS_STORE = $script:store
        Enable-SecretsEngine aws | Out-Null
        Set-AwsRole developer-access -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess
        Set-AwsRootConfig -IamEndpoint $script:server.Endpoint
    }
    AfterAll {
        foreach ($name in $script:saved.Keys) { [Environment]::SetEnvironmentVariable($name, $script:saved[$name]) }
        Remove-TestStore $script:store
    }

    It 'says how to configure root credentials and changes nothing' {
        $before = Get-StoreSnapshot
        $err = $null
        try { Get-AwsCredential developer-access } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'DynamicAwsCreds.RootCredentialsMissing,*'
        $err.Exception.Message | Should -BeLike '*Set-AwsRootConfig*'
        Get-StoreSnapshot | Should -Be $before
    }
}
