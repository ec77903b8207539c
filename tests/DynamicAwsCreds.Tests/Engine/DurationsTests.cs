using DynamicAwsCreds.Engine;
using Xunit;

namespace DynamicAwsCreds.Tests.Engine;

public class DurationsTests
{
    [Theory]
    [InlineData("768h", 768 * 3600)]
    [InlineData("30m", 1800)]
    [InlineData("1h30m", 5400)]
    [InlineData("90s", 90)]
    [InlineData("45", 45)]
    [InlineData("1h0m0s", 3600)]
    [InlineData("2d", 172800)]
    public void Parses_vault_durations(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text, "Ttl"));

    [Theory]
    [InlineData("")]
    [InlineData("forever")]
    [InlineData("-5m")]
    [InlineData("1h 30m")]
    [InlineData("5x")]
    [InlineData("99999999999999999999")]
    public void Refuses_anything_else_with_InvalidDuration(string text)
    {
        var ex = Assert.Throws<EngineException>(() => Durations.Parse(text, "Ttl"));
        Assert.Equal("InvalidDuration", ex.Reason);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(text, ex.Target);
    }

    [Theory]
    [InlineData(768 * 3600_000L, "768h")]
    [InlineData(5 * 60_000L, "5m")]
    [InlineData(90 * 60_000L, "1h30m")]
    [InlineData(90_000L, "1m30s")]
    [InlineData(3_723_000L, "1h2m3s")]
    [InlineData(1_500L, "1s500ms")]
    [InlineData(0L, "0s")]
    public void Formats_as_vault_users_write_it_without_zero_parts(long milliseconds, string expected)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);
        Assert.Equal(expected, Durations.Format(value));
        Assert.True(Durations.TryParse(expected, out var back));
        Assert.Equal(value, back);
    }
}
