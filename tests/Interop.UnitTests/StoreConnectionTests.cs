using Interop.Hub.Storage;
using Npgsql;

namespace Interop.UnitTests;

public sealed class StoreConnectionTests
{
    [Fact]
    public void The_hub_tunes_a_plain_connection_string()
    {
        var tuned = new NpgsqlConnectionStringBuilder(EventStore.Tuned("Host=db;Database=interop;Username=hub"));

        Assert.True(tuned.NoResetOnClose);
        Assert.Equal(50, tuned.MaxAutoPrepare);
        Assert.Equal(3, tuned.AutoPrepareMinUsages);
        Assert.Equal("-c jit=off -c plan_cache_mode=force_custom_plan", tuned.Options);
    }

    [Fact]
    public void The_operator_s_own_settings_win()
    {
        var tuned = new NpgsqlConnectionStringBuilder(EventStore.Tuned(
            "Host=db;Database=interop;Username=hub;No Reset On Close=false;Max Auto Prepare=0;Options=-c jit=on -c work_mem=64MB -c plan_cache_mode=auto"));

        Assert.False(tuned.NoResetOnClose);
        Assert.Equal(0, tuned.MaxAutoPrepare);
        Assert.Equal("-c jit=on -c work_mem=64MB -c plan_cache_mode=auto", tuned.Options);
    }

    [Theory]
    [InlineData("Host=db;NoResetOnClose=false;MaxAutoPrepare=0;Options=-c JIT=on")]
    [InlineData("Host=db;no reset on close=false;max auto prepare=0;options=-c jit=on")]
    public void The_operator_s_settings_win_however_the_keywords_are_spelled(string connectionString)
    {
        var tuned = new NpgsqlConnectionStringBuilder(EventStore.Tuned(connectionString));

        Assert.False(tuned.NoResetOnClose);
        Assert.Equal(0, tuned.MaxAutoPrepare);
        Assert.DoesNotContain("jit=off", tuned.Options, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Other_server_options_are_kept_beside_jit_off()
    {
        var tuned = new NpgsqlConnectionStringBuilder(EventStore.Tuned("Host=db;Options=-c work_mem=64MB"));

        Assert.Equal("-c work_mem=64MB -c jit=off -c plan_cache_mode=force_custom_plan", tuned.Options);
    }
}
