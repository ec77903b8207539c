# Test fixture: a binary module built on AWSSDK.Core 3.7.x, as AWS Tools for PowerShell is.
@{
    RootModule           = 'OldAwsSdkModule.dll'
    ModuleVersion        = '1.0.0'
    GUID                 = '3c0b8f5e-2d41-4f7a-9a63-6b1e0c9d7f21'
    Author               = 'DynamicAwsCreds contributors'
    Description          = 'Test fixture: uses AWSSDK.Core 3.7.x from its own folder (PowerShell''s default load context).'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    CmdletsToExport      = @('Get-OldSdkVersion', 'Get-OldSdkCredential')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
}
