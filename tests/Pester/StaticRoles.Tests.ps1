# Static roles as a user types them: Set/Get/Remove-AwsStaticRole (and -WhatIf), Get-AwsStaticCredential binding into
# a Set-AWSCredential-like consumer and formatted without the secret, Update-AwsStaticCredential by name and -Due, and
# bad input that changes nothing. The IAM users exist in LocalAws before the module manages their keys.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'LocalAws.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:server = Start-TestLocalAws
    $script:store = Initialize-TestStore $script:server
    foreach ($user in 'app-user', 'due-user', 'keep-user', 'whatif-user') {
        Invoke-LocalIam -Server $script:server -Action CreateUser -Parameters @{ UserName = $user } | Out-Null
    }
    Set-AwsStaticRole due -UserName due-user -RotationPeriod 1m

    function Get-UserKeyIds([string] $UserName) {
        $keys = (Invoke-LocalIam -Server $script:server -Action ListAccessKeys -Parameters @{ UserName = $UserName }).ListAccessKeysResponse.ListAccessKeysResult.AccessKeyMetadata.member
        @($keys | Where-Object { $_ } | ForEach-Object AccessKeyId)
    }

    # Makes a static role's period pass without waiting it out: its stored rotation times move back by -By, as if it
    # had been made that much earlier. The store is written with the module's own SQLite library.
    function Move-StaticRoleBack([string] $Name, [TimeSpan] $By) {
        $sqlite = [Runtime.Loader.AssemblyLoadContext]::All.Assemblies | Where-Object { $_.GetName().Name -eq 'Microsoft.Data.Sqlite' } | Select-Object -First 1
        $connection = [Activator]::CreateInstance($sqlite.GetType('Microsoft.Data.Sqlite.SqliteConnection'), "Data Source=$script:store;Pooling=False")
        try {
            $connection.Open()
            $command = $connection.CreateCommand()
            $command.CommandText = 'UPDATE static_roles SET last_rotated = last_rotated - $ms, next_rotation = next_rotation - $ms WHERE name = $name'
            $null = $command.Parameters.AddWithValue('$ms', [long]$By.TotalMilliseconds)
            $null = $command.Parameters.AddWithValue('$name', $Name)
            $command.ExecuteNonQuery() | Should -Be 1
        }
        finally { $connection.Dispose() }
    }

    function Get-CallerArn($Credential) {
        (Invoke-LocalIam -Server $script:server -Service sts -Action GetCallerIdentity -AccessKey $Credential.AccessKey -SecretKey $Credential.SecretKey).GetCallerIdentityResponse.GetCallerIdentityResult.Arn
    }
}
AfterAll {
    Stop-LocalAws $script:server
    Remove-TestStore $script:store
}

Describe 'Set-AwsStaticRole and Get-AwsStaticRole' {
    It 'takes the user''s key into management with its first key, as Vault''s username and rotation_period' {
        $role = Set-AwsStaticRole app -username app-user -rotation_period 24h -PassThru

        $role.UserName | Should -Be 'app-user'
        $role.RotationPeriod | Should -Be ([TimeSpan]::FromHours(24))
        Get-UserKeyIds app-user | Should -Be @($role.AccessKey)
        $read = Get-AwsStaticRole app
        $read.AccessKey | Should -Be $role.AccessKey
        $read.NextRotation | Should -Be $role.LastRotated.AddHours(24)
        @(Get-AwsStaticRole).Name | Should -Contain 'app'
        @(Get-AwsStaticRole a*).Name | Should -Be @('app')
    }

    It 'with -WhatIf checks the input and makes no key and no role' {
        Set-AwsStaticRole whatif -UserName whatif-user -RotationPeriod 1h -WhatIf

        Get-UserKeyIds whatif-user | Should -BeNullOrEmpty
        { Get-AwsStaticRole whatif -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.StaticRoleNotFound,*'
    }

    It 'refuses <Name> with DynamicAwsCreds.<Reason> and changes nothing' -ForEach @(
        @{ Name = 'an unknown IAM user'; Reason = 'StaticUserNotFound'; Category = 'ObjectNotFound'; Target = 'nobody'; Command = { Set-AwsStaticRole bad -UserName nobody -RotationPeriod 1h } }
        @{ Name = 'a period under a minute'; Reason = 'InvalidRotationPeriod'; Category = 'InvalidArgument'; Target = [TimeSpan]::FromSeconds(59); Command = { Set-AwsStaticRole bad -UserName whatif-user -RotationPeriod 59 } }
        @{ Name = 'a period under a minute with -WhatIf'; Reason = 'InvalidRotationPeriod'; Category = 'InvalidArgument'; Target = [TimeSpan]::FromSeconds(30); Command = { Set-AwsStaticRole bad -UserName whatif-user -RotationPeriod 30s -WhatIf } }
        @{ Name = 'a period that is no duration'; Reason = 'InvalidDuration'; Category = 'InvalidArgument'; Target = 'soon'; Command = { Set-AwsStaticRole bad -UserName whatif-user -RotationPeriod soon } }
        @{ Name = 'a malformed user name'; Reason = 'InvalidUserName'; Category = 'InvalidArgument'; Target = 'no/such'; Command = { Set-AwsStaticRole bad -UserName no/such -RotationPeriod 1h } }
        @{ Name = 'another user for an existing static role'; Reason = 'StaticRoleUserChanged'; Category = 'InvalidOperation'; Target = 'whatif-user'; Command = { Set-AwsStaticRole app -UserName whatif-user -RotationPeriod 1h } }
    ) {
        $before = @(Get-AwsStaticRole | ForEach-Object { "$($_.Name) $($_.AccessKey) $($_.RotationPeriod)" })
        $err = $null
        try { & $Command -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike "DynamicAwsCreds.$Reason,*"
        $err.CategoryInfo.Category | Should -Be $Category
        $err.TargetObject | Should -Be $Target
        @(Get-AwsStaticRole | ForEach-Object { "$($_.Name) $($_.AccessKey) $($_.RotationPeriod)" }) | Should -Be $before
        Get-UserKeyIds whatif-user | Should -BeNullOrEmpty
    }
}

Describe 'Get-AwsStaticCredential' {
    BeforeAll { $script:cred = Get-AwsStaticCredential app }

    It 'returns the current key, which signs as its user, expiring at the next rotation' {
        $script:cred.AccessKey | Should -Be (Get-AwsStaticRole app).AccessKey
        $script:cred.UserName | Should -Be 'app-user'
        $script:cred.Expiration | Should -Be (Get-AwsStaticRole app).NextRotation
        Get-CallerArn $script:cred | Should -Be 'arn:aws:iam::123456789012:user/app-user'
    }

    It 'binds AccessKey and SecretKey by property name into Set-AWSCredential, in set BasicOrSession only' {
        $bound = $script:cred | Set-AWSCredential
        $bound.Set | Should -Be 'BasicOrSession'
        $bound.Bound | Should -Be @('AccessKey', 'SecretKey')
        $bound.Values.SecretKey | Should -Be $script:cred.SecretKey
    }

    It 'is formatted without the secret' {
        $secret = $script:cred.SecretKey
        $secret | Should -Not -BeNullOrEmpty
        foreach ($text in @(
                ($script:cred | Out-String), ($script:cred | Format-List | Out-String), ($script:cred | Format-Table | Out-String),
                ($script:cred | Out-String -Width 300), "$($script:cred)")) {
            $text | Should -Not -Match ([regex]::Escape($secret))
        }
        $script:cred.PSStandardMembers.DefaultDisplayPropertySet.ReferencedPropertyNames | Should -Not -Contain 'SecretKey'
        ($script:cred | Format-List | Out-String) | Should -Match 'hidden'
    }
}

Describe 'Update-AwsStaticCredential and Remove-AwsStaticRole' {
    It 'rotates a key now: the new key is current and the old one is deleted in IAM' {
        $old = Get-AwsStaticCredential app

        $role = Update-AwsStaticCredential app

        $role.AccessKey | Should -Not -Be $old.AccessKey
        Get-UserKeyIds app-user | Should -Be @($role.AccessKey)
        (Get-AwsStaticCredential app).AccessKey | Should -Be $role.AccessKey
    }

    It 'with -WhatIf rotates nothing' {
        $before = (Get-AwsStaticRole app).AccessKey
        Update-AwsStaticCredential app -WhatIf
        Update-AwsStaticCredential -Due -WhatIf
        (Get-AwsStaticRole app).AccessKey | Should -Be $before
        Get-UserKeyIds app-user | Should -Be @($before)
    }

    It 'removes a static role and leaves the IAM user and its current key (-WhatIf removes nothing)' {
        $role = Set-AwsStaticRole keep -UserName keep-user -RotationPeriod 1h -PassThru

        Remove-AwsStaticRole keep -WhatIf
        (Get-AwsStaticRole keep).AccessKey | Should -Be $role.AccessKey
        Get-AwsStaticRole keep | Remove-AwsStaticRole

        { Get-AwsStaticRole keep -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.StaticRoleNotFound,*'
        Get-UserKeyIds keep-user | Should -Be @($role.AccessKey)
    }

    It 'with -Due rotates only the static roles whose period has passed and returns a summary' {
        $made = Get-AwsStaticRole due
        $by = $made.RotationPeriod + [TimeSpan]::FromSeconds(1)
        Move-StaticRoleBack due -By $by
        $due = Get-AwsStaticRole due
        $due.NextRotation | Should -Be ($made.NextRotation - $by)
        [DateTime]::UtcNow -gt $due.NextRotation | Should -BeTrue -Because 'the one-minute period of static role due has passed'
        $app = Get-AwsStaticRole app

        $result = Update-AwsStaticCredential -Due

        $result.Rotated | Should -Be 1
        $result.Failed | Should -Be 0
        $result.RotatedRoles | Should -Be @('aws/due')
        (Get-AwsStaticRole due).AccessKey | Should -Not -Be $due.AccessKey
        Get-UserKeyIds due-user | Should -Be @((Get-AwsStaticRole due).AccessKey)
        (Get-AwsStaticRole app).AccessKey | Should -Be $app.AccessKey
    }
}
