using System.Diagnostics;

namespace PgTenancy.EntityFrameworkCore.Diagnostics;

/// <summary>Tags on <see cref="Activity.Current"/> (OpenTelemetry-friendly), so traces show which tenant a command ran for.</summary>
internal static class TenancyActivity
{
    public const string TenantTag = "pgtenancy.tenant_id";
    public const string BypassTag = "pgtenancy.bypass";
    public const string BypassReasonTag = "pgtenancy.bypass.reason";

    public static void TagTenant(string tenant) => Activity.Current?.SetTag(TenantTag, tenant.Length == 0 ? "(none)" : tenant);

    public static void TagBypass(string reason)
    {
        Activity.Current?.SetTag(BypassTag, true);
        Activity.Current?.SetTag(BypassReasonTag, reason);
    }
}
