using Microsoft.Data.Sqlite;

namespace DynamicAwsCreds.Engine.Store.Sqlite;

/// <summary>
/// The statements of one SQLite file: each on a pooled connection of its own (safe from many threads at once), or
/// inside this thread's <see cref="Atomically"/> transaction. Every statement is parameterised, and SQLite's failures
/// become DynamicAwsCreds errors naming the file.
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    // The write transaction this thread is inside, if any: its statements use that connection.
    [ThreadStatic]
    private static (SqliteDatabase Database, SqliteConnection Connection, SqliteTransaction Transaction)? _current;

    private readonly string _connectionString;

    public SqliteDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>An open connection with the store's pragmas (foreign keys on, 30 s busy timeout).</summary>
    public SqliteConnection Connect()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        using var pragmas = c.CreateCommand();
        pragmas.CommandText = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";
        pragmas.ExecuteNonQuery();
        return c;
    }

    /// <summary>
    /// Runs <paramref name="work"/> (reads, then writes, through this database's statements, never an AWS call) in one
    /// write transaction taken up front (BEGIN IMMEDIATE), so a read-then-write in another process cannot interleave.
    /// An exception rolls everything back. Nested calls join the outer transaction.
    /// </summary>
    public T Atomically<T>(Func<T> work)
    {
        if (_current is { } outer && ReferenceEquals(outer.Database, this))
        {
            return work();
        }

        return Translated(() =>
        {
            using var c = Connect();
            using var tx = c.BeginTransaction(deferred: false);
            _current = (this, c, tx);
            try
            {
                var result = work();
                tx.Commit();
                return result;
            }
            finally
            {
                _current = null;
            }
        });
    }

    public int Execute(string sql, params (string Name, object? Value)[] parameters) =>
        WithCommand(sql, parameters, cmd => cmd.ExecuteNonQuery());

    public object? Scalar(string sql, params (string Name, object? Value)[] parameters) =>
        WithCommand(sql, parameters, cmd => cmd.ExecuteScalar());

    public List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters) =>
        WithCommand(sql, parameters, cmd =>
        {
            using var r = cmd.ExecuteReader();
            var list = new List<T>();
            while (r.Read())
            {
                list.Add(read(r));
            }

            return list;
        });

    /// <summary>One statement: inside this thread's <see cref="Atomically"/> transaction if there is one, else on a pooled connection of its own.</summary>
    private T WithCommand<T>(string sql, (string Name, object? Value)[] parameters, Func<SqliteCommand, T> run) => Translated(() =>
    {
        if (_current is { } tx && ReferenceEquals(tx.Database, this))
        {
            using var inTx = Command(tx.Connection, sql, parameters);
            inTx.Transaction = tx.Transaction;
            return run(inTx);
        }

        using var c = Connect();
        using var cmd = Command(c, sql, parameters);
        return run(cmd);
    });

    /// <summary>SQLite's failures once the store is open, as DynamicAwsCreds errors naming the store (SQLite's messages hold no values).</summary>
    private T Translated<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (SqliteException ex)
        {
            throw ex.SqliteErrorCode switch
            {
                5 or 6 => new EngineException("StoreBusy", ErrorKind.ResourceBusy, Path,
                    $"The store '{Path}' stayed locked by another process for 30 seconds ({ex.Message.TrimEnd('.')}). Try again.", ex),
                11 or 26 => new EngineException("StoreCorrupt", ErrorKind.InvalidData, Path,
                    $"The store '{Path}' is damaged ({ex.Message.TrimEnd('.')}). Nothing more was written; move it aside to start a new one.", ex),
                _ => new EngineException("StoreUnavailable", ErrorKind.ResourceUnavailable, Path,
                    $"The store '{Path}' cannot be used: {ex.Message.TrimEnd('.')}. Check the disk and the file's permissions.", ex),
            };
        }
    }

    private static SqliteCommand Command(SqliteConnection c, string sql, (string Name, object? Value)[] parameters)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
    }

    public void Dispose()
    {
        // Pooled connections keep the file open; release them so another process (or a test) can remove it.
        using var c = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(c);
    }
}
