using Npgsql;

namespace Atelier.Testing;

/// <summary>
/// A schema of its own in the test PostgreSQL server (<see cref="PrivatePostgres"/>), so a coordinator's journal, snapshots and sharding state start empty and other tests' tables
/// are never seen; dropped on disposal. An unreachable server fails the test, saying how to start one.
/// </summary>
public sealed class TestPostgres : IAsyncDisposable
{
    /// <summary>The server's database (<see cref="PrivatePostgres"/>: ATELIER_TEST_POSTGRES, else a private server).</summary>
    public static string BaseConnectionString => PrivatePostgres.ConnectionString;

    private TestPostgres(string schema, string connectionString)
    {
        Schema = schema;
        ConnectionString = connectionString;
    }

    public string Schema { get; }

    /// <summary>The base connection string with <c>Search Path</c> set to <see cref="Schema"/>: what the coordinator gets.</summary>
    public string ConnectionString { get; }

    public static async Task<TestPostgres> CreateSchemaAsync(string prefix, CancellationToken ct)
    {
        var schema = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];
        try
        {
            await using var connection = new NpgsqlConnection(BaseConnectionString);
            await connection.OpenAsync(ct);
            await using var create = new NpgsqlCommand($"CREATE SCHEMA \"{schema}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or ArgumentException)
        {
            var b = new NpgsqlConnectionStringBuilder(BaseConnectionString);
            throw new InvalidOperationException(
                $"PostgreSQL is needed by this test and is not usable at host {b.Host}, port {b.Port}, database {b.Database}, " +
                $"user {b.Username}: {e.GetType().Name}: {e.Message}. Unset {PrivatePostgres.Variable} to let the tests start a " +
                "private server from the installed binaries, or point it at a running server.", e);
        }
        var builder = new NpgsqlConnectionStringBuilder(BaseConnectionString) { SearchPath = schema };
        return new TestPostgres(schema, builder.ConnectionString);
    }

    /// <summary>Rows of <paramref name="table"/> in this schema.</summary>
    public async Task<long> CountAsync(string table, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(ct);
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM \"{Schema}\".\"{table}\"", connection);
        return (long)(await count.ExecuteScalarAsync(ct))!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(BaseConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The server went away: nothing to clean up there.
        }
    }
}
