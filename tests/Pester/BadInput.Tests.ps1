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
        # names: empty, white space, too long, look-alikes, quotes, SQL
        @{ Name = 'empty role name'; Reason = 'InvalidRoleName'; Category = 'InvalidArgument'; Target = ''; Command = { Get-AwsCredential '' } }
        @{ Name = 'white-space role name'; Reason = 'InvalidRoleName'; Category = 'InvalidArgument'; Target = '   '; Command = { Set-AwsRole '   ' -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess } }
        @{ Name = 'role name over 128 characters'; Reason = 'InvalidRoleName'; Category = 'InvalidArgument'; Target = ('r' * 129); Command = { Set-AwsRole ('r' * 129) -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess } }
        @{ Name = 'Cyrillic look-alike in a role name'; Reason = 'InvalidRoleName'; Category = 'InvalidArgument'; Target = "d$([char]0x0435)v"; Command = { Set-AwsRole "d$([char]0x0435)v" -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess } }
        @{ Name = 'full-width letters in a role name'; Reason = 'InvalidRoleName'; Category = 'InvalidArgument'; Target = "$([char]0xFF44)ev"; Command = { Get-AwsCredential "$([char]0xFF44)ev" } }
        @{ Name = 'SQL in a role name'; Reason = 'InvalidRoleName'; Category = 'InvalidArgument'; Target = "dev'; DROP TABLE roles;--"; Command = { Get-AwsRole "dev'; DROP TABLE roles;--" } }
        @{ Name = 'quotes in a role name'; Reason = 'InvalidRoleName'; Category = 'InvalidArgument'; Target = 'dev"x'; Command = { Remove-AwsRole 'dev"x' -Confirm:$false } }
        @{ Name = 'the expiry guard''s name as a role name'; Reason = 'ReservedName'; Category = 'InvalidArgument'; Target = 'DynamicAwsCreds-ExpiryGuard'; Command = { Set-AwsRole DynamicAwsCreds-ExpiryGuard -PolicyDocument '{"Version":"2012-10-17","Statement":[]}' } }
        @{ Name = 'the expiry guard''s name in other case, with -WhatIf'; Reason = 'ReservedName'; Category = 'InvalidArgument'; Target = 'dynamicawscreds-EXPIRYGUARD'; Command = { Set-AwsRole dynamicawscreds-EXPIRYGUARD -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess -WhatIf } }
        @{ Name = 'empty credential type'; Reason = 'InvalidCredentialType'; Category = 'InvalidArgument'; Target = ''; Command = { Set-AwsRole developer-access -CredentialType '' } }
        # lease ids and prefixes: path tricks, encodings, NUL, SQL
        @{ Name = 'empty lease id'; Reason = 'InvalidLeaseId'; Category = 'InvalidArgument'; Target = ''; Command = { Revoke-Lease '' -ErrorAction Stop } }
        @{ Name = 'percent-encoded slash in a lease id'; Reason = 'InvalidLeaseId'; Category = 'InvalidArgument'; Target = 'aws/creds/developer-access/AAAAAAAAAAAAAAAAAAAA%2FAA'; Command = { Get-Lease 'aws/creds/developer-access/AAAAAAAAAAAAAAAAAAAA%2FAA' -ErrorAction Stop } }
        @{ Name = 'NUL in a lease id'; Reason = 'InvalidLeaseId'; Category = 'InvalidArgument'; Target = "aws/creds/developer-access/AAAAAAAAAAAAAAAAAAAAAAA`0"; Command = { Revoke-Lease "aws/creds/developer-access/AAAAAAAAAAAAAAAAAAAAAAA`0" -ErrorAction Stop } }
        @{ Name = 'extra segment in a lease id'; Reason = 'InvalidLeaseId'; Category = 'InvalidArgument'; Target = 'aws/creds/developer-access/AAAAAAAAAAAAAAAAAAAAAAAA/x'; Command = { Update-Lease 'aws/creds/developer-access/AAAAAAAAAAAAAAAAAAAAAAAA/x' -ErrorAction Stop } }
        @{ Name = 'SQL in a lease id'; Reason = 'InvalidLeaseId'; Category = 'InvalidArgument'; Target = "aws/creds/dev/' OR 1=1 --"; Command = { Get-Lease "aws/creds/dev/' OR 1=1 --" -ErrorAction Stop } }
        @{ Name = 'dot-dot in a prefix'; Reason = 'InvalidLeasePrefix'; Category = 'InvalidArgument'; Target = 'aws/../x'; Command = { Revoke-Lease -Prefix 'aws/../x' } }
        @{ Name = 'SQL in a prefix'; Reason = 'InvalidLeasePrefix'; Category = 'InvalidArgument'; Target = "aws/creds/x' OR '1'='1"; Command = { Revoke-Lease -Prefix "aws/creds/x' OR '1'='1" } }
        @{ Name = 'LIKE wildcard in a prefix'; Reason = 'InvalidLeasePrefix'; Category = 'InvalidArgument'; Target = 'aws/%'; Command = { Get-Lease -Prefix 'aws/%' } }
        @{ Name = 'empty prefix'; Reason = 'InvalidLeasePrefix'; Category = 'InvalidArgument'; Target = ''; Command = { Revoke-Lease -Prefix '' } }
        @{ Name = 'unknown lease to renew'; Reason = 'LeaseNotFound'; Category = 'ObjectNotFound'; Target = 'aws/creds/developer-access/BBBBBBBBBBBBBBBBBBBBBBBB'; Command = { Update-Lease aws/creds/developer-access/BBBBBBBBBBBBBBBBBBBBBBBB -ErrorAction Stop } }
        # durations: negative, zero where it can't be, huge, wrong types
        @{ Name = 'negative TTL'; Reason = 'InvalidDuration'; Category = 'InvalidArgument'; Target = '-5'; Command = { Get-AwsCredential developer-access -Ttl -5 } }
        @{ Name = 'huge TTL'; Reason = 'InvalidDuration'; Category = 'InvalidArgument'; Target = '99999999999'; Command = { Get-AwsCredential developer-access -Ttl 99999999999 } }
        @{ Name = 'hashtable as a TTL'; Reason = 'InvalidDuration'; Category = 'InvalidArgument'; Target = 'System.Collections.Hashtable'; Command = { Get-AwsCredential developer-access -Ttl @{ h = 1 } } }
        @{ Name = 'unit-less garbage as a mount TTL'; Reason = 'InvalidDuration'; Category = 'InvalidArgument'; Target = '1 day'; Command = { Enable-SecretsEngine aws -Path other -DefaultLeaseTtl '1 day' } }
        @{ Name = 'lease longer than its max'; Reason = 'InvalidDuration'; Category = 'InvalidArgument'; Target = [timespan]::FromHours(2); Command = { Set-AwsLeaseConfig -Lease 2h -LeaseMax 1h } }
        @{ Name = 'default lease TTL over the max'; Reason = 'InvalidDuration'; Category = 'InvalidArgument'; Target = [timespan]::FromHours(3); Command = { Enable-SecretsEngine aws -Path other -DefaultLeaseTtl 3h -MaxLeaseTtl 1h } }
        @{ Name = 'renew increment that is not a duration'; Reason = 'InvalidDuration'; Category = 'InvalidArgument'; Target = 'soon'; Command = { Update-Lease aws/creds/developer-access/BBBBBBBBBBBBBBBBBBBBBBBB -Increment soon } }
        @{ Name = 'STS TTL under AWS''s 15 minutes'; Reason = 'InvalidDuration'; Category = 'InvalidArgument'; Target = [timespan]::FromMinutes(5); Command = { Set-AwsRole sts -CredentialType federation_token -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess -DefaultStsTtl 5m } }
        @{ Name = 'assumed_role TTL over AssumeRole''s 12 hours'; Reason = 'InvalidDuration'; Category = 'InvalidArgument'; Target = [timespan]::FromHours(13); Command = { Set-AwsRole sts -CredentialType assumed_role -RoleArn arn:aws:iam::123456789012:role/deploy -MaxStsTtl 13h } }
        @{ Name = 'federation_token TTL over GetFederationToken''s 36 hours'; Reason = 'InvalidDuration'; Category = 'InvalidArgument'; Target = [timespan]::FromHours(37); Command = { Set-AwsRole sts -CredentialType federation_token -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess -MaxStsTtl 37h } }
        @{ Name = 'session tags on a federation_token role'; Reason = 'InvalidRoleParameter'; Category = 'InvalidArgument'; Target = 'sts'; Command = { Set-AwsRole sts -CredentialType federation_token -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess -SessionTag @{ team = 'blue' } } }
        # policies and ARNs
        @{ Name = 'policy document over IAM''s size'; Reason = 'PolicyDocumentTooLarge'; Category = 'InvalidArgument'; Target = 'PolicyDocument'; Command = { Set-AwsRole developer-access -PolicyDocument ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::' + ('x' * 2100) + '"}]}') } }
        @{ Name = 'policy document that is a JSON array'; Reason = 'InvalidPolicyDocument'; Category = 'InvalidArgument'; Target = 'PolicyDocument'; Command = { Set-AwsRole developer-access -PolicyDocument '[1,2]' } }
        @{ Name = 'policy document of the wrong type'; Reason = 'InvalidPolicyDocument'; Category = 'InvalidArgument'; Target = 'PolicyDocument'; Command = { Set-AwsRole developer-access -PolicyDocument 42 } }
        @{ Name = 'ARN of another partition scheme'; Reason = 'InvalidPolicyArn'; Category = 'InvalidArgument'; Target = 'arn:azure:iam::aws:policy/ReadOnlyAccess'; Command = { Set-AwsRole developer-access -PolicyArn arn:azure:iam::aws:policy/ReadOnlyAccess } }
        @{ Name = 'role ARN given as a policy ARN'; Reason = 'InvalidPolicyArn'; Category = 'InvalidArgument'; Target = 'arn:aws:iam::123456789012:role/deploy'; Command = { Set-AwsRole developer-access -PolicyArn arn:aws:iam::123456789012:role/deploy } }
        @{ Name = 'policy ARN given as a role ARN'; Reason = 'InvalidRoleArn'; Category = 'InvalidArgument'; Target = 'arn:aws:iam::aws:policy/ReadOnlyAccess'; Command = { Set-AwsRole deploy -CredentialType assumed_role -RoleArn arn:aws:iam::aws:policy/ReadOnlyAccess } }
        @{ Name = 'boundary that is not a policy'; Reason = 'InvalidPolicyArn'; Category = 'InvalidArgument'; Target = 'arn:aws:iam::123456789012:user/x'; Command = { Set-AwsRole developer-access -PermissionsBoundaryArn arn:aws:iam::123456789012:user/x } }
        @{ Name = 'user path without slashes'; Reason = 'InvalidUserPath'; Category = 'InvalidArgument'; Target = 'dynamic'; Command = { Set-AwsRole developer-access -UserPath dynamic } }
        @{ Name = 'group name with a space'; Reason = 'InvalidGroupName'; Category = 'InvalidArgument'; Target = 'dev ops'; Command = { Set-AwsRole developer-access -IamGroup 'dev ops' } }
        @{ Name = 'tag key in AWS''s namespace'; Reason = 'InvalidTag'; Category = 'InvalidArgument'; Target = 'aws:owner'; Command = { Set-AwsRole developer-access -IamTag @{ 'aws:owner' = 'me' } } }
        @{ Name = 'more tags than AWS allows'; Reason = 'InvalidTag'; Category = 'InvalidArgument'; Target = 'IamTag'; Command = { $t = @{}; 1..51 | ForEach-Object { $t["k$_"] = 'v' }; Set-AwsRole developer-access -IamTag $t } }
        @{ Name = 'default STS TTL over the max'; Reason = 'InvalidRoleParameter'; Category = 'InvalidArgument'; Target = 'sts'; Command = { Set-AwsRole sts -CredentialType federation_token -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess -DefaultStsTtl 2h -MaxStsTtl 1h } }
        @{ Name = 'policy document on a session_token role'; Reason = 'InvalidRoleParameter'; Category = 'InvalidArgument'; Target = 'sts'; Command = { Set-AwsRole sts -CredentialType session_token -PolicyDocument '{"Version":"2012-10-17","Statement":[]}' } }
        @{ Name = 'STS TTL on an iam_user role'; Reason = 'InvalidRoleParameter'; Category = 'InvalidArgument'; Target = 'developer-access'; Command = { Set-AwsRole developer-access -DefaultStsTtl 1h } }
        @{ Name = 'STS options for an iam_user role'; Reason = 'InvalidRoleParameter'; Category = 'InvalidArgument'; Target = 'developer-access'; Command = { Get-AwsCredential developer-access -RoleSessionName me } }
        # root config
        @{ Name = 'region that is not one'; Reason = 'InvalidRegion'; Category = 'InvalidArgument'; Target = 'moon-base-1a'; Command = { Set-AwsRootConfig -Region moon-base-1a } }
        @{ Name = 'KMS key in the per-user file store'; Reason = 'KmsKeyIdNotSupported'; Category = 'InvalidOperation'; Target = 'alias/dynamicawscreds'; Command = { Set-AwsRootConfig -KmsKeyId alias/dynamicawscreds } }
        @{ Name = 'KMS key id KMS cannot take'; Reason = 'InvalidKmsKeyId'; Category = 'InvalidArgument'; Target = 'alias/with space'; Command = { Set-AwsRootConfig -kms_key_id 'alias/with space' } }
        @{ Name = 'retries out of range'; Reason = 'InvalidMaxRetries'; Category = 'InvalidArgument'; Target = 99; Command = { Set-AwsRootConfig -MaxRetries 99 } }
        @{ Name = 'access key with spaces'; Reason = 'InvalidAccessKey'; Category = 'InvalidArgument'; Target = 'AKID EXAMPLE 000000'; Command = { Set-AwsRootConfig -AccessKey 'AKID EXAMPLE 000000' -SecretKey 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } }
        @{ Name = 'username template that does not parse'; Reason = 'InvalidUsernameTemplate'; Category = 'InvalidArgument'; Target = '{{ nope }}'; Command = { Set-AwsRootConfig -UsernameTemplate '{{ nope }}' } }
        @{ Name = 'username template longer than IAM allows'; Reason = 'InvalidUsernameTemplate'; Category = 'InvalidArgument'; Target = 'vault-{{ random 80 }}'; Command = { Set-AwsRootConfig -UsernameTemplate 'vault-{{ random 80 }}' } }
        # mounts, limits, formats
        @{ Name = 'nested mount'; Reason = 'PathInUse'; Category = 'ResourceExists'; Target = 'aws/nested'; Command = { Enable-SecretsEngine aws -Path aws/nested } }
        @{ Name = 'disabling a mount that is not there'; Reason = 'MountNotFound'; Category = 'ObjectNotFound'; Target = 'nowhere'; Command = { Disable-SecretsEngine nowhere -Confirm:$false } }
        @{ Name = 'rotating a mount that is not there'; Reason = 'MountNotFound'; Category = 'ObjectNotFound'; Target = 'nowhere'; Command = { Update-AwsRootCredential nowhere -Confirm:$false } }
        @{ Name = 'getting a mount that is not there'; Reason = 'MountNotFound'; Category = 'ObjectNotFound'; Target = 'nowhere'; Command = { Get-SecretsEngine nowhere } }
        @{ Name = 'removing a role that is not there'; Reason = 'RoleNotFound'; Category = 'ObjectNotFound'; Target = 'ghost'; Command = { Remove-AwsRole ghost -Confirm:$false } }
        @{ Name = 'throttle limit of zero'; Reason = 'InvalidThrottleLimit'; Category = 'InvalidArgument'; Target = 0; Command = { Revoke-Lease -Prefix aws/creds/developer-access -ThrottleLimit 0 } }
        @{ Name = 'throttle limit over 64'; Reason = 'InvalidThrottleLimit'; Category = 'InvalidArgument'; Target = 500; Command = { Disable-SecretsEngine aws -ThrottleLimit 500 -Confirm:$false } }
        @{ Name = 'negative throttle limit'; Reason = 'InvalidThrottleLimit'; Category = 'InvalidArgument'; Target = -1; Command = { Remove-AwsRole developer-access -ThrottleLimit -1 -Confirm:$false } }
        @{ Name = 'waiting and not waiting at once'; Reason = 'ConflictingParameters'; Category = 'InvalidArgument'; Target = 'NoWait'; Command = { Invoke-WithAwsCredential developer-access { 'ran' } -NoWait -WaitUntilUsable } }
        @{ Name = 'unknown export format'; Reason = 'InvalidExportFormat'; Category = 'InvalidArgument'; Target = 'Yaml'; Command = { Export-AwsCredential -Role developer-access -Format Yaml } }
        @{ Name = 'removing a user the module did not issue'; Reason = 'NotAnIssuedUser'; Category = 'InvalidArgument'; Target = 'alice'; Command = { Remove-AwsOrphanUser alice -Confirm:$false -ErrorAction Stop } }
        @{ Name = 'an issued user is not an orphan'; Reason = 'UserHasLease'; Category = 'InvalidOperation'; Target = 'FROM-LEASE'; Command = { Remove-AwsOrphanUser (Get-Lease | Select-Object -First 1).UserName -Confirm:$false -ErrorAction Stop } }
    ) {
        $before = Get-StoreSnapshot
        $err = $null
        try { & $Command } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty -Because 'bad input must fail'
        $err.FullyQualifiedErrorId | Should -BeLike "DynamicAwsCreds.$Reason,*"
        $err.CategoryInfo.Category | Should -Be $Category
        if ($Target -eq 'FROM-LEASE') { $Target = (Get-Lease | Select-Object -First 1).UserName }
        $err.TargetObject | Should -Be $Target
        Get-StoreSnapshot | Should -Be $before
    }

    It 'a malformed DYNAMICAWSCREDS_INTENT_DEADLINE gives DynamicAwsCreds.InvalidIntentDeadline naming it, and changes nothing' {
        $before = Get-StoreSnapshot
        $err = Invoke-FreshPwsh -StorePath $script:store -Script @'
$env:DYNAMICAWSCREDS_INTENT_DEADLINE = 'soon'
try { Get-AwsCredential developer-access | Out-Null; 'no error' }
catch { [pscustomobject]@{ Id = $_.FullyQualifiedErrorId; Category = "$($_.CategoryInfo.Category)"; Target = $_.TargetObject; Message = $_.Exception.Message } }
'@
        $err.Id | Should -BeLike 'DynamicAwsCreds.InvalidIntentDeadline,*'
        $err.Category | Should -Be 'InvalidArgument'
        $err.Target | Should -Be 'soon'
        $err.Message | Should -Match 'DYNAMICAWSCREDS_INTENT_DEADLINE'
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
