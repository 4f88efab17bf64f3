using System.Globalization;
using Atelier.Testing;
using Npgsql;

namespace Atelier.Coordinator.Tests.Persistence;

/// <summary>
/// The tests' private PostgreSQL server outlives a test process killed with SIGKILL (it is a daemon); the next one to
/// start a server stops and deletes it, and leaves the servers of live processes alone.
/// </summary>
public sealed class PrivatePostgresTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("atelier-reap-").FullName;

    public PrivatePostgresTests()
    {
        // As the system's temporary directory is: the server runs as postgres when the tests run as root.
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(_parent, (UnixFileMode)0b111_101_101);
    }

    public void Dispose()
    {
        PrivatePostgres.ReapOrphans(_parent); // whatever the test left running
        Directory.Delete(_parent, recursive: true);
    }

    [Fact]
    public void A_server_whose_owner_is_gone_is_stopped_and_deleted_and_a_live_owners_is_kept()
    {
        var orphan = Directory.CreateDirectory(Path.Combine(_parent, "atelier-postgres-orphan")).FullName;
        var port = PrivatePostgres.StartServer(orphan);
        Assert.True(Answers(port), "the server should run before it is orphaned");
        // As if its owner had been killed: a process id with another start time (the id may have been reused since).
        var owner = File.ReadAllText(Path.Combine(orphan, PrivatePostgres.OwnerFile)).Split(' ');
        File.WriteAllText(Path.Combine(orphan, PrivatePostgres.OwnerFile), $"{owner[0]} {long.Parse(owner[1], CultureInfo.InvariantCulture) + 1}");
        var live = Directory.CreateDirectory(Path.Combine(_parent, "atelier-postgres-live")).FullName;
        File.WriteAllText(Path.Combine(live, PrivatePostgres.OwnerFile), string.Join(' ', owner));

        var reaped = PrivatePostgres.ReapOrphans(_parent);

        Assert.Equal([orphan], reaped);
        Assert.False(Directory.Exists(orphan));
        Assert.False(Answers(port), "the orphaned server should be stopped");
        Assert.True(Directory.Exists(live));
    }

    private static bool Answers(int port)
    {
        var builder = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "atelier", Database = "postgres", Pooling = false, Timeout = 5 };
        try
        {
            using var connection = new NpgsqlConnection(builder.ConnectionString);
            connection.Open();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }
}
