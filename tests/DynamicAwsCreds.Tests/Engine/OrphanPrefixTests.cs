using DynamicAwsCreds.Engine.Config;
using DynamicAwsCreds.Engine.Config.Templates;
using DynamicAwsCreds.Engine.Revoke;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

/// <summary>The orphan scan reads only users named as the mount's configured username template names them.</summary>
public sealed class OrphanPrefixTests : EngineTestBase
{
    [Fact]
    public async Task Vaults_default_template_set_explicitly_scans_vault_users_only()
    {
        Engine.SetRootConfig(null, new RootConfigInput { UsernameTemplate = VaultTemplates.AwsDefault });
        Ok(await Root.IamAsync("CreateUser", ("UserName", "alice")));
        Ok(await Root.IamAsync("CreateUser", ("UserName", "vault-made-by-hand")));

        var found = Assert.Single(await Engine.FindOrphanUsersAsync(null, null, CancellationToken.None));
        Assert.Equal("vault-made-by-hand", found.User.UserName);
        Assert.Equal(OrphanReason.Foreign, found.Reason);
    }
}
