# The role and config surface of Vault's AWS engine, driven as a user types it: Vault's field names as
# aliases, partial updates, wildcards, every credential type, lease config, rotate-root.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
    $script:server = Start-TestLocalAws

    function Initialize-Store($Server) {
        $script:store = New-TestStore
        $env:DYNAMICAWSCREDS_STORE = $script:store
        Enable-SecretsEngine aws | Out-Null
        Set-AwsRootConfig -AccessKey $Server.RootAccessKey -SecretKey $Server.RootSecretKey -IamEndpoint $Server.Endpoint -StsEndpoint $Server.Endpoint
    }
}
AfterAll { Stop-LocalAws $script:server }

Describe 'Roles' {
    BeforeEach { Initialize-Store $script:server }
    AfterEach {
        Revoke-Lease -Prefix aws/ -Force -ErrorAction SilentlyContinue | Out-Null
        Remove-TestStore $script:store
    }

    It 'takes Vault''s field names as parameter aliases' {
        Set-AwsRole full -credential_type iam_user -policy_arns $script:readOnly `
            -policy_document '{ "Version": "2012-10-17", "Statement": [] }' -iam_groups devs -iam_tags @{ team = 'blue' } `
            -user_path /dynamic/ -permissions_boundary_arn arn:aws:iam::aws:policy/PowerUserAccess
        $role = Get-AwsRole full
        $role.PolicyArns | Should -Be @($script:readOnly)
        $role.PolicyDocument | Should -Be '{"Version":"2012-10-17","Statement":[]}'
        $role.IamGroups | Should -Be @('devs')
        $role.IamTags.team | Should -Be 'blue'
        $role.UserPath | Should -Be '/dynamic/'
        $role.PermissionsBoundaryArn | Should -Be 'arn:aws:iam::aws:policy/PowerUserAccess'

        Set-AwsRole sts -credential_type assumed_role -role_arns arn:aws:iam::123456789012:role/deploy `
            -default_sts_ttl 30m -max_sts_ttl 3600 -external_id ext -session_tags @{ team = 'blue' } -PassThru |
            Select-Object -ExpandProperty MaxStsTtl | Should -Be ([timespan]::FromHours(1))
        (Get-AwsRole sts).DefaultStsTtl | Should -Be ([timespan]::FromMinutes(30))
    }

    It 'changes only the given parameters of an existing role' {
        Set-AwsRole dev -PolicyArn $script:readOnly -IamGroup devs
        Set-AwsRole dev -PolicyDocument @{ Version = '2012-10-17'; Statement = @(@{ Effect = 'Allow'; Action = 's3:GetObject'; Resource = '*' }) }
        $role = Get-AwsRole dev
        $role.PolicyArns | Should -Be @($script:readOnly)
        $role.IamGroups | Should -Be @('devs')
        ($role.PolicyDocument | ConvertFrom-Json).Statement[0].Action | Should -Be 's3:GetObject'
    }

    It 'checks -WhatIf of an update against the existing role, as the real update does, and changes nothing' {
        Set-AwsRole deploy -CredentialType assumed_role -RoleArn arn:aws:iam::123456789012:role/deploy
        Set-AwsRole deploy -DefaultStsTtl 30m -WhatIf
        (Get-AwsRole deploy).DefaultStsTtl | Should -BeNullOrEmpty
        { Set-AwsRole deploy -DefaultStsTtl 5m -WhatIf } | Should -Throw -ErrorId 'DynamicAwsCreds.InvalidDuration*'
        { Set-AwsRole deploy -IamTag @{ team = 'blue' } -WhatIf } | Should -Throw -ErrorId 'DynamicAwsCreds.InvalidRoleParameter*'
    }

    It 'lists roles by wildcard' {
        'dev-a', 'dev-b', 'ops' | ForEach-Object { Set-AwsRole $_ -PolicyArn $script:readOnly }
        @(Get-AwsRole dev-*).Name | Should -Be @('dev-a', 'dev-b')
        @(Get-AwsRole).Count | Should -Be 3
        { Get-AwsRole nope -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.RoleNotFound*'
    }

    It 'removes a role, revoking its leases first with -RevokeLeases' {
        Set-AwsRole dev -PolicyArn $script:readOnly
        1..2 | ForEach-Object { Get-AwsCredential dev } | Out-Null
        $result = Remove-AwsRole dev -RevokeLeases -Confirm:$false
        $result.Revoked | Should -Be 2
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
        { Get-AwsRole dev } | Should -Throw -ErrorId 'DynamicAwsCreds.RoleNotFound*'
    }

    It 'names assumed_role sessions as Vault does, so a trust policy written for Vault''s names lets them in' {
        $trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"sts:RoleSessionName":"vault-*-trusted-*"}}}]}'
        Invoke-LocalIam -Server $script:server -Action CreateRole -Parameters @{ RoleName = 'pester-vaultish'; AssumeRolePolicyDocument = $trust } | Out-Null
        Set-AwsRole trusted -CredentialType assumed_role -RoleArn arn:aws:iam::123456789012:role/pester-vaultish

        $cred = Get-AwsCredential trusted
        $session = ($cred.AssumedRoleArn -split '/')[-1]
        $session | Should -Match '^vault-[A-Za-z0-9+=,.@_-]+-trusted-[0-9]{10}-[A-Za-z0-9]{20}$'
        $session.Length | Should -BeLessOrEqual 64

        # AWS's own limit (the role's MaxSessionDuration, 1 hour here) comes back with AWS's message.
        $err = { Get-AwsCredential trusted -Ttl 2h -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.InvalidDuration*' -PassThru
        $err.Exception.Message | Should -Match 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        Revoke-Lease $cred.LeaseId | Out-Null
    }

    It 'issues federation_token credentials for up to AWS''s 36 hours' {
        Set-AwsRole fed36 -CredentialType federation_token -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess -MaxStsTtl 36h
        $cred = Get-AwsCredential fed36 -Ttl 36h
        $cred.LeaseDuration | Should -Be ([timespan]::FromHours(36))
        Revoke-Lease $cred.LeaseId | Out-Null
    }

    It 'issues assumed_role credentials with a session token that are not renewable' {
        $trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}'
        Invoke-LocalIam -Server $script:server -Action CreateRole -Parameters @{ RoleName = 'pester-deploy'; AssumeRolePolicyDocument = $trust } | Out-Null
        Set-AwsRole deploy -CredentialType assumed_role -RoleArn arn:aws:iam::123456789012:role/pester-deploy

        $cred = Get-AwsCredential deploy -Ttl 20m -RoleSessionName pester
        $cred.SessionToken | Should -Not -BeNullOrEmpty
        $cred.AssumedRoleArn | Should -Be 'arn:aws:sts::123456789012:assumed-role/pester-deploy/pester'
        $cred.Renewable | Should -BeFalse
        $cred.LeaseDuration | Should -Be ([timespan]::FromMinutes(20))
        $me = Invoke-LocalIam -Server $script:server -Service sts -Action GetCallerIdentity -AccessKey $cred.AccessKey -SecretKey $cred.SecretKey -SessionToken $cred.SessionToken
        $me.GetCallerIdentityResponse.GetCallerIdentityResult.Arn | Should -Be $cred.AssumedRoleArn
        { Update-Lease $cred.LeaseId -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.LeaseNotRenewable*'
        { Get-AwsCredential deploy -Ttl 5m } | Should -Throw -ErrorId 'DynamicAwsCreds.InvalidDuration*'
        (Revoke-Lease $cred.LeaseId).Revoked | Should -Be 1
    }

    It 'issues a federation token and a session token' {
        Set-AwsRole fed -CredentialType federation_token -PolicyArn $script:readOnly
        $fed = Get-AwsCredential fed
        $fed.SessionToken | Should -Not -BeNullOrEmpty
        $fed.CredentialType | Should -Be 'federation_token'
        Set-AwsRole session -CredentialType session_token
        (Get-AwsCredential session).SessionToken | Should -Not -BeNullOrEmpty
    }
}

Describe 'Mount and lease configuration' {
    BeforeEach { Initialize-Store $script:server }
    AfterEach {
        Revoke-Lease -Prefix team/ -Force -ErrorAction SilentlyContinue | Out-Null
        Remove-TestStore $script:store
    }

    It 'applies a mount''s default and max lease TTL and keeps its leases under its path' {
        Enable-SecretsEngine aws -Path team/aws -DefaultLeaseTtl 1h -MaxLeaseTtl 2h -Description 'team account' | Out-Null
        Set-AwsRootConfig -Path team/aws -AccessKey $script:server.RootAccessKey -SecretKey $script:server.RootSecretKey -IamEndpoint $script:server.Endpoint
        Set-AwsRole dev -Path team/aws -PolicyArn $script:readOnly
        $cred = Get-AwsCredential dev -Path team/aws
        $cred.LeaseId | Should -Match '^team/aws/creds/dev/[A-Za-z0-9]{24}$'
        $cred.LeaseDuration | Should -Be ([timespan]::FromHours(1))
        (Get-AwsCredential dev -Path team/aws -Ttl 5h).LeaseDuration | Should -Be ([timespan]::FromHours(2))
        (Get-SecretsEngine team/*).LeaseCount | Should -Be 2
        Set-AwsLeaseConfig -Path team/aws -Lease 30m -LeaseMax 90m
        (Get-AwsCredential dev -Path team/aws).LeaseDuration | Should -Be ([timespan]::FromMinutes(30))
        $config = Get-AwsLeaseConfig -Path team/aws
        $config.LeaseMax | Should -Be ([timespan]::FromMinutes(90))
    }

    It 'accepts the secret as a SecureString or a PSCredential and never shows it' {
        $secure = ConvertTo-SecureString $script:server.RootSecretKey -AsPlainText -Force
        Set-AwsRootConfig -AccessKey $script:server.RootAccessKey -SecretKey $secure
        (Get-AwsRootConfig | Out-String) | Should -Not -Match ([regex]::Escape($script:server.RootSecretKey))
        Set-AwsRootConfig -Credential ([pscredential]::new($script:server.RootAccessKey, $secure)) -IamEndpoint $script:server.Endpoint -PassThru |
            Select-Object -ExpandProperty HasSecretKey | Should -BeTrue
        Set-AwsRole dev -PolicyArn $script:readOnly
        (Get-AwsCredential dev).UserName | Should -BeLike 'vault-*'
    }

    It 'goes back to the SDK default chain with -UseDefaultCredentialChain' {
        Set-AwsRootConfig -UseDefaultCredentialChain -Region eu-west-1
        $config = Get-AwsRootConfig
        $config.CredentialSource | Should -Be 'DefaultChain'
        $config.HasSecretKey | Should -BeFalse
        $config.AccessKey | Should -BeNullOrEmpty
        $config.IamEndpoint | Should -Be "$($script:server.Endpoint)/"
    }

    It 'binds the mount from piped roles, so a pipeline stays on its mount' {
        Enable-SecretsEngine aws -Path team/aws | Out-Null
        Set-AwsRole dev -Path team/aws -PolicyArn $script:readOnly
        Set-AwsRole dev -PolicyArn $script:readOnly
        Get-AwsRole -Path team/aws | Remove-AwsRole -Confirm:$false
        { Get-AwsRole dev -Path team/aws } | Should -Throw -ErrorId 'DynamicAwsCreds.RoleNotFound*'
        (Get-AwsRole dev).Path | Should -Be 'aws'
    }

    It 'takes a Vault username template and refuses a broken one' {
        Set-AwsRootConfig -UsernameTemplate '{{ printf "vault-pester-%s-%s" .PolicyName (random 6) | truncate 64 }}'
        Set-AwsRole dev -PolicyArn $script:readOnly
        (Get-AwsCredential dev).UserName | Should -Match '^vault-pester-dev-[A-Za-z0-9]{6}$'
        { Set-AwsRootConfig -UsernameTemplate '{{ if }}' } | Should -Throw -ErrorId 'DynamicAwsCreds.InvalidUsernameTemplate*'
        (Get-AwsRootConfig).UsernameTemplate | Should -BeLike '*vault-pester-*'
    }
}

Describe 'Rotating the root credentials' {
    BeforeAll { $script:own = Start-TestLocalAws }
    AfterAll { Stop-LocalAws $script:own }
    BeforeEach { Initialize-Store $script:own }
    AfterEach { Remove-TestStore $script:store }

    It 'replaces the root key: the old one stops working, the new one issues' {
        $rotated = Update-AwsRootCredential -Confirm:$false
        $rotated.AccessKey | Should -Not -Be $script:own.RootAccessKey
        { Invoke-LocalIam -Server $script:own -Action ListUsers } | Should -Throw -ExpectedMessage '*InvalidClientTokenId*'
        Set-AwsRole dev -PolicyArn $script:readOnly
        (Get-AwsCredential dev).UserName | Should -BeLike 'vault-*'
        Revoke-Lease -Prefix aws/creds/dev | Out-Null
    }

    It 'refuses when the root config has no keys of its own' {
        Enable-SecretsEngine aws -Path chain | Out-Null
        { Update-AwsRootCredential -Path chain -Confirm:$false } | Should -Throw -ErrorId 'DynamicAwsCreds.RootConfigNotExplicit*'
    }
}
