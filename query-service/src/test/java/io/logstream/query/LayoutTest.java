package io.logstream.query;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * query-service by role (docs/query.md, "Layout"): the HTTP faces on top ({@code loki}, then {@code tail}, then
 * {@code rest}), the language ({@code logql}) and every DynamoDB read ({@code store}) under them, and the shared
 * concerns ({@code security}, {@code limits}, {@code problem}, {@code config}) at the bottom. No arrow points back up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LayoutTest {
    private static final String[] BASE = {"..query.security..", "..query.limits..", "..query.problem..",
            "..query.config.."};
    private JavaClasses classes;

    @BeforeAll
    void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.logstream.query");
    }

    @Test
    void eachLayerIsUsedOnlyFromAbove() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("rules").definedBy("..query.rules..")
                .layer("retention").definedBy("..query.retention..")
                .layer("loki").definedBy("..query.loki..")
                .layer("tail").definedBy("..query.tail..")
                .layer("rest").definedBy("..query.rest..")
                .layer("logql").definedBy("..query.logql..")
                .layer("store").definedBy("..query.store..")
                .layer("health").definedBy("..query.health..")
                .layer("base").definedBy(BASE)
                .whereLayer("rules").mayNotBeAccessedByAnyLayer()
                .whereLayer("retention").mayNotBeAccessedByAnyLayer()
                .whereLayer("loki").mayOnlyBeAccessedByLayers("rules", "retention")
                .whereLayer("tail").mayOnlyBeAccessedByLayers("loki")
                .whereLayer("rest").mayOnlyBeAccessedByLayers("loki", "tail")
                .whereLayer("logql").mayOnlyBeAccessedByLayers("rules", "retention", "loki", "tail")
                .whereLayer("store").mayOnlyBeAccessedByLayers("rules", "retention", "loki", "tail", "rest", "health")
                .whereLayer("health").mayNotBeAccessedByAnyLayer()
                .check(classes);
    }

    @Test
    void theSharedConcernsDependOnNoRole() {
        noClasses().that().resideInAnyPackage(BASE).should().dependOnClassesThat()
                .resideInAnyPackage("..query.rules..", "..query.retention..", "..query.loki..", "..query.tail..", "..query.rest..",
                        "..query.logql..",
                        "..query.store..", "..query.health..")
                .check(classes);
    }

    @Test
    void theLanguageIsPure() {
        noClasses().that().resideInAPackage("..query.logql..").should().dependOnClassesThat()
                .resideInAnyPackage("io.micronaut..", "software.amazon..", "io.logstream.model..")
                .check(classes);
    }

    @Test
    void onlyTheStoreReadsDynamoDb() {
        noClasses().that().resideOutsideOfPackages("..query.store..", "..query.health..", "..query.config..")
                .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk.services.dynamodb..")
                .check(classes);
    }

    @Test
    void noPackagesDependOnEachOtherInACycle() {
        slices().matching("io.logstream.query.(*)..").should().beFreeOfCycles().check(classes);
    }
}
