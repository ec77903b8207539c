using DynamicAwsCreds.Engine.Config.Templates;
using Xunit;

namespace DynamicAwsCreds.Tests.Templates;

public class GoTimeLayoutTests
{
    // 2009-02-13 23:31:30.120450 UTC, a Friday, day 44 of the year.
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeSeconds(1234567890).AddTicks(1_204_500);

    [Theory]
    [InlineData("Mon Jan _2 15:04:05 2006", "Fri Feb 13 23:31:30 2009")]
    [InlineData("Monday, 02-Jan-06 15:04:05 MST", "Friday, 13-Feb-09 23:31:30 UTC")]
    [InlineData("January 2, 2006", "February 13, 2009")]
    [InlineData("3:04PM", "11:31PM")]
    [InlineData("03:04:05pm", "11:31:30pm")]
    [InlineData("1/2/06", "2/13/09")]
    [InlineData("2006-01-02T15:04:05.000000000", "2009-02-13T23:31:30.120450000")]
    [InlineData("15:04:05.000", "23:31:30.120")]
    [InlineData("15:04:05.999999999", "23:31:30.12045")]
    [InlineData("15:04:05,000", "23:31:30,120")]
    [InlineData("05.9", "30.1")]
    [InlineData("002 __2", "044  44")]
    [InlineData("x_2006", "x_2009")]
    [InlineData("Z07:00 Z0700 Z07 -07:00 -0700 -07", "Z Z Z +00:00 +0000 +00")]
    [InlineData("vault 4 5", "vault 31 30")]
    [InlineData("Janet Monsoon", "Janet Monsoon")]
    public void Formats_like_go(string layout, string expected)
    {
        Assert.Equal(expected, GoTimeLayout.Format(T, layout));
    }

    [Fact]
    public void Whole_seconds_drop_the_trimmed_fraction_entirely()
    {
        Assert.Equal("23:31:30", GoTimeLayout.Format(DateTimeOffset.FromUnixTimeSeconds(1234567890), "15:04:05.999"));
    }

    [Theory]
    [InlineData(-7, "-07:00 -0700 -07 -07:00 -0700:00")]
    [InlineData(5.75, "+05:45 +0545 +05 +05:45 +0545:00")]
    public void Offsets(double hours, string expected)
    {
        var t = T.ToOffset(TimeSpan.FromHours(hours));
        Assert.Equal(expected, GoTimeLayout.Format(t, "Z07:00 Z0700 Z07 -07:00 -0700:00"));
    }

    [Fact]
    public void Offsets_with_seconds_and_unnamed_zone()
    {
        var t = T.ToOffset(TimeSpan.FromHours(-3.5));
        Assert.Equal("-03:30:00 -033000 -0330", GoTimeLayout.Format(t, "Z07:00:00 -070000 MST"));
    }

    [Fact]
    public void Midnight_and_noon_on_the_12_hour_clock()
    {
        var midnight = new DateTimeOffset(2009, 2, 13, 0, 5, 0, TimeSpan.Zero);
        var noon = midnight.AddHours(12);
        Assert.Equal("12:05AM", GoTimeLayout.Format(midnight, "3:04PM"));
        Assert.Equal("12:05PM", GoTimeLayout.Format(noon, "3:04PM"));
        Assert.Equal("00", GoTimeLayout.Format(midnight, "15"));
    }
}
