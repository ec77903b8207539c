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

    [Fact]
    public void Formats_as_vault_does() => Assert.Equal("768h0m0s", Durations.Format(TimeSpan.FromHours(768)));
}
