using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace PgTenancy.TestSupport;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a server, counting what clients send. A <em>round trip</em> is counted each
/// time a client sends after it last received (or for the first time): the client had to wait for the server. This
/// works through TLS, because it looks only at the direction of traffic, not at its content. With a delay, it also
/// holds each chunk of traffic that long in each direction, to model a network between client and server.
/// </summary>
public sealed class LoopbackProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly TimeSpan _delay;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly Lock _gate = new();
    private readonly Task _accepting;
    private long _roundTrips;
    private long _bytesFromClients;
    private bool _lastWasClient;

    public LoopbackProxy(int targetPort, TimeSpan delay = default)
    {
        _targetPort = targetPort;
        _delay = delay;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>
    /// A proxy in front of the server <paramref name="connectionString"/> names, and that connection string pointed at
    /// the proxy with a pool of one connection, so that every command crosses the one socket the proxy counts.
    /// </summary>
    public static (LoopbackProxy Proxy, string ConnectionString) InFrontOf(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var proxy = new LoopbackProxy(builder.Port);
        builder.Port = proxy.Port;
        builder.MaxPoolSize = 1;
        return (proxy, builder.ConnectionString);
    }

    public long RoundTrips
    {
        get
        {
            lock (_gate)
            {
                return _roundTrips;
            }
        }
    }

    public long BytesFromClients
    {
        get
        {
            lock (_gate)
            {
                return _bytesFromClients;
            }
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _roundTrips = 0;
            _bytesFromClients = 0;
            _lastWasClient = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] pumps;
        lock (_gate)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            client.NoDelay = true;
            var server = new TcpClient { NoDelay = true };
            await server.ConnectAsync(IPAddress.Loopback, _targetPort);
            lock (_gate)
            {
                _pumps.Add(PumpAsync(client, server));
            }
        }
    }

    private async Task PumpAsync(TcpClient client, TcpClient server)
    {
        using (client)
        using (server)
        {
            var up = CopyAsync(client.GetStream(), server.GetStream(), fromClient: true);
            var down = CopyAsync(server.GetStream(), client.GetStream(), fromClient: false);
            await Task.WhenAny(up, down);
            client.Close();
            server.Close();
            await Task.WhenAll(up, down);
        }
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to, bool fromClient)
    {
        var buffer = new byte[64 * 1024];
        using var delayed = _delay > TimeSpan.Zero ? new BlockingCollection<(long Due, byte[] Data)>() : null;
        var delivering = delayed is null ? null : DeliverAsync(delayed, to);
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                lock (_gate)
                {
                    if (fromClient)
                    {
                        _bytesFromClients += read;
                        if (!_lastWasClient)
                        {
                            _roundTrips++;
                        }
                    }

                    _lastWasClient = fromClient;
                }

                if (delayed is null)
                {
                    await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
                else
                {
                    delayed.Add((Stopwatch.GetTimestamp() + (long)(_delay.TotalSeconds * Stopwatch.Frequency), buffer[..read]));
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            delayed?.CompleteAdding();
        }

        if (delivering is not null)
        {
            await delivering;
        }
    }

    // Each chunk is delivered when its own delay is over, independently of the chunks before it: a propagation delay,
    // not a per-chunk pause, so a response split into many TCP segments still arrives about one delay later.
    // A thread of its own with Thread.Sleep: the timer behind Task.Delay is far coarser than a millisecond here.
    private static Task DeliverAsync(BlockingCollection<(long Due, byte[] Data)> chunks, NetworkStream to)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                foreach (var (due, data) in chunks.GetConsumingEnumerable())
                {
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (wait > TimeSpan.Zero)
                    {
                        Thread.Sleep((int)Math.Ceiling(wait.TotalMilliseconds)); // Sleep(TimeSpan) truncates to whole milliseconds
                    }

                    to.Write(data);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
            }
            finally
            {
                done.SetResult();
            }
        })
        { IsBackground = true, Name = "LoopbackProxy delivery" };
        thread.Start();
        return done.Task;
    }
}
