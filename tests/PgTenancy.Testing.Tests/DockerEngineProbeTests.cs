using System.Net;
using System.Net.Sockets;
using System.Text;
using PgTenancy.Testing.Provisioning;
using Xunit;

namespace PgTenancy.Testing.Tests;

/// <summary>The probe must detect an engine that answers its API, not the presence of a socket file or a client.</summary>
public sealed class DockerEngineProbeTests
{
    [Fact]
    public async Task An_engine_answering_ping_with_OK_is_detected()
    {
        await using var engine = FakeEngine.Start("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nApi-Version: 1.47\r\n\r\nOK");

        Assert.True(DockerEngineProbe.EndpointAnswers(engine.Endpoint));
    }

    [Fact]
    public async Task A_socket_that_answers_something_else_is_not_an_engine()
    {
        await using var engine = FakeEngine.Start("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");

        Assert.False(DockerEngineProbe.EndpointAnswers(engine.Endpoint));
    }

    [Fact]
    public async Task A_socket_file_with_no_listener_is_not_an_engine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"probe-{Guid.NewGuid():N}.sock");
        await using (var engine = FakeEngine.Start("unused", path))
        {
        }

        File.WriteAllText(path, ""); // a stale file where a socket used to be

        try
        {
            Assert.False(DockerEngineProbe.EndpointAnswers("unix://" + path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_closed_tcp_port_is_not_an_engine()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        Assert.False(DockerEngineProbe.EndpointAnswers($"tcp://127.0.0.1:{port}"));
    }

    [Fact]
    public void An_unsupported_endpoint_is_not_an_engine() =>
        Assert.False(DockerEngineProbe.EndpointAnswers("npipe:////./pipe/docker_engine"));

    /// <summary>A unix-socket server that answers every request with one canned response.</summary>
    private sealed class FakeEngine : IAsyncDisposable
    {
        private readonly Socket _listener;
        private readonly string _path;
        private readonly Task _serving;

        private FakeEngine(Socket listener, string path, string response)
        {
            _listener = listener;
            _path = path;
            _serving = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        using var client = await _listener.AcceptAsync();
                        var buffer = new byte[1024];
                        await client.ReceiveAsync(buffer);
                        await client.SendAsync(Encoding.ASCII.GetBytes(response));
                        client.Shutdown(SocketShutdown.Both);
                    }
                }
                catch (SocketException)
                {
                }
                catch (ObjectDisposedException)
                {
                }
            });
        }

        public string Endpoint => "unix://" + _path;

        public static FakeEngine Start(string response, string? path = null)
        {
            path ??= Path.Combine(Path.GetTempPath(), $"probe-{Guid.NewGuid():N}.sock");
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen();
            return new FakeEngine(listener, path, response);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            await _serving;
            File.Delete(_path);
        }
    }
}
