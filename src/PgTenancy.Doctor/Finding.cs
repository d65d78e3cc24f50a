using System.Security.Cryptography;
using System.Text;

namespace PgTenancy.Doctor;

/// <summary>One problem a check found, on one object.</summary>
/// <param name="CheckId">The check that found it.</param>
/// <param name="Severity">Its severity.</param>
/// <param name="Subject">The object concerned, such as <c>public.orders</c> or <c>role app</c>.</param>
/// <param name="Message">What is wrong with it.</param>
public sealed record Finding(string CheckId, Severity Severity, string Subject, string Message)
{
    /// <summary>The file (and line) the finding is in, for findings in configuration files; otherwise <see langword="null"/>.</summary>
    public FindingLocation? Location { get; init; }

    /// <summary>A stable fingerprint of check and object, for baselines that suppress known findings.</summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CheckId + "\n" + Subject)))[..16];
}

/// <summary>Where in a file a finding is.</summary>
/// <param name="Path">The file's full path.</param>
/// <param name="Line">The line, when the finding is about one.</param>
public sealed record FindingLocation(string Path, int? Line);
