using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PgTenancy.Testing.Provisioning;

/// <summary>
/// Tells whether a Docker engine answers, by asking its API for <c>GET /_ping</c>. A <c>docker</c> client binary
/// on the PATH proves nothing (this project's machines have the client and no engine), so the probe never looks at it.
/// </summary>
internal static class DockerEngineProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>Probes <c>DOCKER_HOST</c> when set, else the usual unix sockets.</summary>
    public static bool EngineAnswers()
    {
        var dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrWhiteSpace(dockerHost))
        {
            return EndpointAnswers(dockerHost);
        }

        var candidates = new List<string> { "/var/run/docker.sock" };
        var runtimeDir = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtimeDir))
        {
            candidates.Add(Path.Combine(runtimeDir, "docker.sock"));
        }

        return candidates.Any(socket => File.Exists(socket) && EndpointAnswers("unix://" + socket));
    }

    /// <summary>Probes one endpoint: <c>unix:///path</c> or <c>tcp://host:port</c>. Anything else is "no engine".</summary>
    public static bool EndpointAnswers(string endpoint)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            return false;
        }

        EndPoint target;
        Socket socket;
        switch (uri.Scheme)
        {
            case "unix":
                target = new UnixDomainSocketEndPoint(uri.LocalPath);
                socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                break;
            case "tcp":
                target = new DnsEndPoint(uri.Host, uri.Port > 0 ? uri.Port : 2375);
                socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                break;
            default:
                return false;
        }

        using (socket)
        {
            try
            {
                using var cts = new CancellationTokenSource(Timeout);
                socket.ConnectAsync(target, cts.Token).AsTask().GetAwaiter().GetResult();
                socket.SendTimeout = socket.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
                socket.Send(Encoding.ASCII.GetBytes("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"));
                var response = ReadAll(socket);
                return response.StartsWith("HTTP/1.", StringComparison.Ordinal)
                    && response.Contains(" 200 ", StringComparison.Ordinal)
                    && response.EndsWith("OK", StringComparison.Ordinal);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
            {
                return false;
            }
        }
    }

    private static string ReadAll(Socket socket)
    {
        var buffer = new byte[4096];
        var text = new StringBuilder();
        int read;
        while (text.Length < 64 * 1024 && (read = socket.Receive(buffer)) > 0)
        {
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return text.ToString().TrimEnd();
    }
}
