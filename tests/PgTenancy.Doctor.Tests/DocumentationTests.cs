using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Doctor.Tests;

public sealed class DocumentationTests
{
    [Fact]
    public void Every_check_has_its_section_in_docs_doctor_md()
    {
        var docs = File.ReadAllText(Path.Combine(ExternalCommand.RepositoryRoot(), "docs", "doctor.md"));

        Assert.All(TenancyDoctor.Checks, check =>
        {
            Assert.Contains($"## {check.Id}\n", docs, StringComparison.Ordinal);
            Assert.Contains(check.Remediation, docs, StringComparison.Ordinal);
            Assert.Equal("doctor.md#" + check.Id.ToLowerInvariant(), check.HelpAnchor);
        });
    }
}
