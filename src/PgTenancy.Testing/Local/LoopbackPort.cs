using System.Net;
using System.Net.Sockets;

namespace PgTenancy.Testing.Local;

/// <summary>Ports on 127.0.0.1, the only address test servers listen on.</summary>
internal static class LoopbackPort
{
    /// <summary>A port that was free a moment ago (callers retry if another process takes it first).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
