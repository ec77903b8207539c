using DynamicAwsCreds.Engine.Store;
using Xunit;

namespace DynamicAwsCreds.Tests.Store;

/// <summary>Static roles: read-modify-write as one step, listing by name and by due time, and going with their mount.</summary>
public abstract partial class LeaseStoreConformance
{
    private static StaticRoleRecord StaticRole(string mount, string name, DateTimeOffset? next = null, string? previous = null) =>
        new(mount, name, "app-user", TimeSpan.FromHours(1), "AKIASTATICEXAMPLE01", [1, 2, 3], previous, Now, next ?? Now.AddHours(1));

    [Fact]
    public void A_static_role_reads_back_as_written_with_times_to_the_millisecond()
    {
        AddMounts("aws");
        var written = StaticRole("aws", "app", previous: "AKIASTATICEXAMPLE00") with
        {
            RotationPeriod = TimeSpan.FromTicks(TimeSpan.TicksPerHour + 12_345),
            LastRotated = Now.AddTicks(5_555),
        };

        var returned = Store.UpdateStaticRole("aws", "app", existing =>
        {
            Assert.Null(existing);
            return written;
        });

        var expected = written with { RotationPeriod = TimeSpan.FromMilliseconds(3_600_001), LastRotated = Now };
        Assert.Equivalent(expected, returned, strict: true);
        Assert.Equivalent(expected, Store.GetStaticRole("aws", "app"), strict: true);
        Assert.Equal([1, 2, 3], Store.GetStaticRole("aws", "app")!.SecretKeyCiphertext);
    }

    [Fact]
    public void Updating_a_static_role_passes_the_stored_record_to_the_change()
    {
        AddMounts("aws");
        Store.UpdateStaticRole("aws", "app", _ => StaticRole("aws", "app", previous: "AKIASTATICEXAMPLE00"));

        var updated = Store.UpdateStaticRole("aws", "app", existing => existing! with { AccessKeyId = "AKIASTATICEXAMPLE02", PreviousAccessKeyId = null });

        Assert.Equal("AKIASTATICEXAMPLE02", updated!.AccessKeyId);
        Assert.Null(Store.GetStaticRole("aws", "app")!.PreviousAccessKeyId);
    }

    [Fact]
    public void A_failed_change_or_a_missing_mount_writes_no_static_role()
    {
        AddMounts("aws");
        Store.UpdateStaticRole("aws", "app", _ => StaticRole("aws", "app"));

        Assert.Throws<InvalidOperationException>(() => Store.UpdateStaticRole("aws", "app", _ => throw new InvalidOperationException("no")));
        Assert.Throws<ArgumentException>(() => Store.UpdateStaticRole("aws", "app", r => r! with { Name = "other" }));
        Assert.Throws<ArgumentException>(() => Store.UpdateStaticRole("aws", "other", _ => StaticRole("other-mount", "other")));
        Assert.Null(Store.UpdateStaticRole("nowhere", "app", _ => StaticRole("nowhere", "app")));

        Assert.Equal("AKIASTATICEXAMPLE01", Store.GetStaticRole("aws", "app")!.AccessKeyId);
        Assert.Null(Store.GetStaticRole("aws", "other"));
        Assert.Null(Store.GetStaticRole("nowhere", "app"));
    }

    [Fact]
    public void Static_roles_list_by_name_per_mount_and_by_due_time_across_mounts()
    {
        AddMounts("aws", "team");
        Store.UpdateStaticRole("aws", "b", _ => StaticRole("aws", "b", next: Now.AddMinutes(-1)));
        Store.UpdateStaticRole("aws", "a", _ => StaticRole("aws", "a", next: Now.AddMinutes(1)));
        Store.UpdateStaticRole("aws", "Z", _ => StaticRole("aws", "Z", next: Now));
        Store.UpdateStaticRole("team", "c", _ => StaticRole("team", "c", next: Now.AddMinutes(-5)));

        Assert.Equal(["Z", "a", "b"], Store.ListStaticRoles("aws").Select(r => r.Name));
        Assert.Equal(["c"], Store.ListStaticRoles("team").Select(r => r.Name));
        Assert.Empty(Store.ListStaticRoles("nowhere"));
        Assert.Equal(["team/c", "aws/b", "aws/Z"], Store.ListDueStaticRoles(Now).Select(r => $"{r.Mount}/{r.Name}"));
        Assert.Empty(Store.ListDueStaticRoles(Now.AddMinutes(-10)));
    }

    [Fact]
    public void Deleting_a_static_role_is_true_once()
    {
        AddMounts("aws");
        Store.UpdateStaticRole("aws", "app", _ => StaticRole("aws", "app"));

        Assert.True(Store.DeleteStaticRole("aws", "app"));
        Assert.False(Store.DeleteStaticRole("aws", "app"));
        Assert.False(Store.DeleteStaticRole("nowhere", "app"));
        Assert.Null(Store.GetStaticRole("aws", "app"));
    }

    [Fact]
    public void Static_roles_go_with_their_mount_and_a_mount_enabled_again_has_none()
    {
        AddMounts("aws", "team");
        Store.UpdateStaticRole("aws", "app", _ => StaticRole("aws", "app", next: Now.AddHours(-1)));
        Store.UpdateStaticRole("team", "app", _ => StaticRole("team", "app"));

        Assert.True(Store.RemoveMount("aws"));
        AddMounts("aws");

        Assert.Null(Store.GetStaticRole("aws", "app"));
        Assert.Empty(Store.ListStaticRoles("aws"));
        Assert.Empty(Store.ListDueStaticRoles(Now));
        Assert.NotNull(Store.GetStaticRole("team", "app"));
    }

    [Fact]
    public void A_static_role_s_sealed_key_counts_as_a_sealed_secret()
    {
        AddMounts("aws");
        Assert.False(Store.HasSealedSecrets());

        Store.UpdateStaticRole("aws", "app", _ => StaticRole("aws", "app"));
        Assert.True(Store.HasSealedSecrets());

        Store.DeleteStaticRole("aws", "app");
        Assert.False(Store.HasSealedSecrets());
    }

    [Fact]
    public async Task Concurrent_updates_of_one_static_role_each_see_the_other_s_write()
    {
        AddMounts("aws");
        Store.UpdateStaticRole("aws", "app", _ => StaticRole("aws", "app") with { RotationPeriod = TimeSpan.Zero });

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Store.UpdateStaticRole("aws", "app", r => r! with { RotationPeriod = r.RotationPeriod + TimeSpan.FromSeconds(1) }))));

        Assert.Equal(TimeSpan.FromSeconds(8), Store.GetStaticRole("aws", "app")!.RotationPeriod);
    }
}
