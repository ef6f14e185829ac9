/*
 * Independent CAdES checker built on BouncyCastle 1.72 (bcprov, bcpkix, bcutil; Java 17).
 *
 * Usage: BcCadesCheck <signature.der> [--content detached.bin] [--trust root.pem ...]
 *                     [--certs untrusted.pem ...]
 *        BcCadesCheck --batch jobs.tsv     (one tab-separated argument list per line)
 *
 * --trust adds trust anchors (PEM, several certificates per file allowed) and turns on the PKIX
 * path checks; --certs adds untrusted certificates for path building (e.g. the issuing CA of a
 * BES signature that carries only the signer certificate).
 *
 * Prints one machine-readable line per check and exits 0 only when no check failed:
 *
 *   OK   <subject> <check>
 *   FAIL <subject> <check>: <reason>
 *   INFO <subject> <note>            (never affects the exit code)
 *
 * where <subject> is "cms", "signed-data" or "signer <path>" (path "0", "1", countersigners
 * "0.0", "0.0.1", ... in the order of signerInfos / countersignature values). Exit codes:
 * 0 all passed, 1 at least one FAIL, 2 usage error.
 *
 * What is checked (signatures.md section numbers in brackets):
 *   - cms parse (CMSSignedData) and "encoding round-trip" (see below);
 *   - signed-data version (RFC 5652 5.1) and digest-algorithms (every signer's algorithm listed);
 *   per signer, recursively for countersignatures (SignerInformation.getCounterSignatures):
 *   - signature: SignerInformation.verify(JcaSimpleSignerInfoVerifierBuilder) -- BC's own
 *     verification, which also checks message-digest / content-type and the certificate's
 *     validity at signing-time;
 *   - signed-attributes-der: the stored SET equals its DER (sorted) encoding (3.11 rule 1),
 *     because BC re-encodes signed attributes as DER before verifying;
 *   - message-digest / content-type recomputed here independently (3.3, 2.4, 3.10);
 *   - signing-certificate-v2: ESSCertIDv2 hash over the signer certificate and issuerSerial (3.3);
 *   - signature-policy: SHA-256 hash equals the BTK constant (1.2), when present;
 *   - signature-time-stamp[i]: TimeStampToken.validate against its TSA certificate (BC checks
 *     the ESS signing certificate, the critical timeStamping EKU and validity at genTime),
 *     imprint == H(signature value octets) (3.5), and with --trust a PKIX path at genTime
 *     ("... chain");
 *   - certificate chain (with --trust): the JDK's PKIX CertPathBuilder (SUN provider) builds the
 *     signer's path at the first signature time-stamp's genTime (or now) from the certificates
 *     in the file and --certs, revocation off (the embedded revocation data is checked below);
 *   - certificate-references[i] / revocation-references[i] resolve by hash against
 *     certificate-values + SignedData.certificates and revocation-values (3.6, 3.8), including
 *     issuerSerial, CrlIdentifier and OcspIdentifier fields; values equal references;
 *   - revocation-values: CRL and BasicOCSPResponse signatures; the signer's OCSP status is good
 *     (and, for P4, producedAt >= the signature time-stamp's genTime in whole seconds, 1.6);
 *   - ats-v3[i]: archive-time-stamp-v3 token validates, its imprint recomputed from 3.9.1
 *     (eContentType TLV, H(eContent), SignerInfo fields as stored, DER of ATSHashIndex from the
 *     token's unsigned attribute 0.4.0.1733.2.5), every index entry resolves against
 *     SignedData.certificates / crls / the signer's unsigned attributes, and every unsigned
 *     attribute stored before the ATS is covered; genTime not before the signature time-stamps.
 *
 * Stored encodings. BouncyCastle does not keep the input bytes of parsed objects: getEncoded()
 * re-encodes. Objects parsed from definite-length input are DL* types whose DL encoding keeps
 * the element order of SETs (only DER encoding sorts them). This checker therefore
 *   1. proves once that the whole input re-encodes (DL) to exactly the stored bytes -- then the
 *      DL encoding of every nested element equals its stored slice, because DL encoding is
 *      compositional ("OK cms encoding round-trip"); and
 *   2. hashes only raw parsed primitives with getEncoded(DL), never BC's high-level wrappers
 *      (Attribute, SignerInfo, Certificate...) whose toASN1Primitive() builds DER sequences that
 *      would sort nested SETs (e.g. an unsorted certificate SET inside a time-stamp token).
 * Our writer's output is DER except for unsorted SET OF in unsignedAttrs / certificates, which
 * is exactly what the DL round-trip tolerates. BER (indefinite lengths) input fails step 1 and is
 * reported as such.
 */

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Security;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.esf.CrlIdentifier;
import org.bouncycastle.asn1.esf.CrlListID;
import org.bouncycastle.asn1.esf.CrlOcspRef;
import org.bouncycastle.asn1.esf.CrlValidatedID;
import org.bouncycastle.asn1.esf.OcspIdentifier;
import org.bouncycastle.asn1.esf.OcspListID;
import org.bouncycastle.asn1.esf.OcspResponsesID;
import org.bouncycastle.asn1.esf.OtherHash;
import org.bouncycastle.asn1.esf.SignaturePolicyId;
import org.bouncycastle.asn1.esf.SignaturePolicyIdentifier;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.ocsp.BasicOCSPResponse;
import org.bouncycastle.asn1.ocsp.ResponderID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.IssuerSerial;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerId;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TimeStampToken;
import org.bouncycastle.tsp.TimeStampTokenInfo;
import org.bouncycastle.util.Store;
import org.bouncycastle.util.encoders.Hex;

public final class BcCadesCheck {

    // signatures.md 3.1
    static final String ID_DATA = "1.2.840.113549.1.7.1";
    static final String CONTENT_TYPE = "1.2.840.113549.1.9.3";
    static final String MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
    static final String COUNTER_SIGNATURE = "1.2.840.113549.1.9.6";
    static final String SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47";
    static final String SIGNATURE_POLICY = "1.2.840.113549.1.9.16.2.15";
    static final String SIGNATURE_TIME_STAMP = "1.2.840.113549.1.9.16.2.14";
    static final String CERTIFICATE_REFS = "1.2.840.113549.1.9.16.2.21";
    static final String REVOCATION_REFS = "1.2.840.113549.1.9.16.2.22";
    static final String CERTIFICATE_VALUES = "1.2.840.113549.1.9.16.2.23";
    static final String REVOCATION_VALUES = "1.2.840.113549.1.9.16.2.24";
    static final String ATS_V2 = "1.2.840.113549.1.9.16.2.48";
    static final String ATS_V3 = "0.4.0.1733.2.4";
    static final String ATS_HASH_INDEX = "0.4.0.1733.2.5";
    static final String ATS_HASH_INDEX_V3 = "0.4.0.19122.1.5";
    static final String SHA256 = "2.16.840.1.101.3.4.2.1";
    static final String P4_POLICY = "2.16.792.1.61.0.1.5070.3.3.1";
    static final String[] TURKISH_POLICIES = {
        "2.16.792.1.61.0.1.5070.3.1.1", "2.16.792.1.61.0.1.5070.3.2.1", P4_POLICY};
    static final byte[] POLICY_HASH =
            Hex.decode("FF39BD29463383F69B2052AC47439E06CE7C3B8646E888B6E5AE3E46BA08117A");

    static int failures = 0;
    static int passes = 0;

    static void ok(String subject, String check) {
        passes++;
        System.out.println("OK " + subject + " " + check);
    }

    static void fail(String subject, String check, String why) {
        failures++;
        System.out.println("FAIL " + subject + " " + check + ": " + why.replace('\n', ' '));
    }

    static void info(String subject, String note) {
        System.out.println("INFO " + subject + " " + note);
    }

    static void expect(boolean condition, String subject, String check, String why) {
        if (condition) {
            ok(subject, check);
        } else {
            fail(subject, check, why);
        }
    }

    /** A check body that may throw; any exception is a FAIL with its message. */
    interface Body {
        void run() throws Exception;
    }

    static void guarded(String subject, String check, Body body) {
        try {
            body.run();
        } catch (Exception | StackOverflowError e) {
            fail(subject, check, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    // --- encoding helpers -----------------------------------------------------------------

    /** The stored bytes of a parsed element (valid after the round-trip check, see header). */
    static byte[] stored(ASN1Encodable element) throws IOException {
        return element.toASN1Primitive().getEncoded(ASN1Encoding.DL);
    }

    static byte[] digest(String oid, byte[] data) throws Exception {
        return MessageDigest.getInstance(oid, "BC").digest(data);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static String hex(byte[] b) {
        return Hex.toHexString(b);
    }

    static boolean containsBytes(List<byte[]> list, byte[] value) {
        for (byte[] item : list) {
            if (Arrays.equals(item, value)) {
                return true;
            }
        }
        return false;
    }

    // --- the raw structure ----------------------------------------------------------------

    /** One unsigned or signed Attribute as the parsed raw SEQUENCE. */
    static final class RawAttribute {
        final String oid;
        final ASN1Sequence seq;
        final ASN1Set values;

        RawAttribute(ASN1Sequence seq) {
            this.seq = seq;
            this.oid = ASN1ObjectIdentifier.getInstance(seq.getObjectAt(0)).getId();
            this.values = ASN1Set.getInstance(seq.getObjectAt(1));
        }
    }

    /** A SignerInfo split into its stored fields (RFC 5652 5.3). */
    static final class RawSigner {
        final ASN1Sequence seq;
        final List<ASN1Encodable> fields = new ArrayList<>(); // version .. signature, in order
        ASN1TaggedObject signedAttrs;
        ASN1OctetString signature;
        final List<RawAttribute> unsigned = new ArrayList<>();

        RawSigner(ASN1Sequence seq) {
            this.seq = seq;
            for (int i = 0; i < seq.size(); i++) {
                ASN1Encodable f = seq.getObjectAt(i);
                if (f instanceof ASN1TaggedObject && ((ASN1TaggedObject) f).getTagNo() == 1) {
                    ASN1Set set = ASN1Set.getInstance((ASN1TaggedObject) f, false);
                    for (ASN1Encodable a : set) {
                        unsigned.add(new RawAttribute(ASN1Sequence.getInstance(a)));
                    }
                    continue;
                }
                // Position 3 (after version, sid, digestAlgorithm): a [0] here is signedAttrs;
                // a [0] at position 1 is a subjectKeyIdentifier sid.
                if (i == 3 && f instanceof ASN1TaggedObject
                        && ((ASN1TaggedObject) f).getTagNo() == 0) {
                    signedAttrs = (ASN1TaggedObject) f;
                }
                if (i >= 4 && signature == null && f instanceof ASN1OctetString) {
                    signature = (ASN1OctetString) f;
                }
                fields.add(f);
            }
        }

        List<RawAttribute> unsigned(String oid) {
            List<RawAttribute> out = new ArrayList<>();
            for (RawAttribute a : unsigned) {
                if (a.oid.equals(oid)) {
                    out.add(a);
                }
            }
            return out;
        }

        List<RawSigner> counterSigners() {
            List<RawSigner> out = new ArrayList<>();
            for (RawAttribute a : unsigned(COUNTER_SIGNATURE)) {
                for (ASN1Encodable v : a.values) {
                    out.add(new RawSigner(ASN1Sequence.getInstance(v)));
                }
            }
            return out;
        }
    }

    // --- global state of one run ----------------------------------------------------------

    static byte[] input;
    static byte[] detachedContent;
    static CMSSignedData cms;
    static ASN1Sequence signedData;
    static String eContentType;
    static ASN1Encodable eContentTypeElement;
    static byte[] eContent; // attached value octets, or the detached content
    static ASN1Set certificatesSet; // SignedData.certificates (IMPLICIT [0]) or null
    static ASN1Set crlsSet; // SignedData.crls (IMPLICIT [1]) or null
    static ASN1Set signerInfosSet;
    static final List<TrustAnchor> anchors = new ArrayList<>();
    /** Every certificate in the file (SignedData, certificate-values, tokens) for path building. */
    static final List<X509CertificateHolder> pool = new ArrayList<>();
    /** Certificates given with --certs (path building only, never "found in the signature"). */
    static final List<X509CertificateHolder> extraCertificates = new ArrayList<>();
    static final JcaX509CertificateConverter converter =
            new JcaX509CertificateConverter().setProvider("BC");
    static DigestCalculatorProvider digestProvider;

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        digestProvider = new JcaDigestCalculatorProviderBuilder().setProvider("BC").build();
        if (args.length == 2 && args[0].equals("--batch")) {
            // One JVM for many checks (JVM start-up dominates the test time): each line of the
            // file holds the tab-separated arguments of one check; the output of check i is
            // framed by "BEGIN i" and "END i <exit code>". The process exits 0.
            List<String> jobs = Files.readAllLines(Path.of(args[1]));
            for (int i = 0; i < jobs.size(); i++) {
                if (jobs.get(i).isBlank()) {
                    continue;
                }
                System.out.println("BEGIN " + i);
                int code = checkOne(jobs.get(i).split("\t"));
                System.out.println("END " + i + " " + code);
            }
            System.exit(0);
        }
        System.exit(checkOne(args));
    }

    /** Runs one check with fresh state; returns the exit code (0 passed, 1 failed, 2 usage). */
    static int checkOne(String[] args) throws Exception {
        failures = 0;
        passes = 0;
        input = null;
        detachedContent = null;
        cms = null;
        signedData = null;
        eContentType = null;
        eContentTypeElement = null;
        eContent = null;
        certificatesSet = null;
        crlsSet = null;
        signerInfosSet = null;
        anchors.clear();
        pool.clear();
        extraCertificates.clear();
        String signaturePath = null;
        String contentPath = null;
        List<String> trustPaths = new ArrayList<>();
        List<String> extraPaths = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--content") && i + 1 < args.length) {
                contentPath = args[++i];
            } else if (args[i].equals("--trust") && i + 1 < args.length) {
                trustPaths.add(args[++i]);
            } else if (args[i].equals("--certs") && i + 1 < args.length) {
                extraPaths.add(args[++i]);
            } else if (signaturePath == null && !args[i].startsWith("--")) {
                signaturePath = args[i];
            } else {
                System.err.println("unexpected argument " + args[i]);
                return 2;
            }
        }
        if (signaturePath == null) {
            System.err.println(
                    "usage: BcCadesCheck <signature.der> [--content detached.bin] [--trust root.pem ...]"
                            + " [--certs untrusted.pem ...]  |  BcCadesCheck --batch jobs.tsv");
            return 2;
        }
        input = Files.readAllBytes(Path.of(signaturePath));
        if (contentPath != null) {
            detachedContent = Files.readAllBytes(Path.of(contentPath));
        }
        CertificateFactory factory = CertificateFactory.getInstance("X.509", "BC");
        for (String p : trustPaths) {
            try (InputStream in = Files.newInputStream(Path.of(p))) {
                for (java.security.cert.Certificate c : factory.generateCertificates(in)) {
                    anchors.add(new TrustAnchor((X509Certificate) c, null));
                }
            }
        }
        for (String p : extraPaths) {
            try (InputStream in = Files.newInputStream(Path.of(p))) {
                for (java.security.cert.Certificate c : factory.generateCertificates(in)) {
                    extraCertificates.add(new X509CertificateHolder(c.getEncoded()));
                }
            }
        }
        try {
            run();
        } catch (Exception | StackOverflowError e) {
            e.printStackTrace();
            fail("cms", "unexpected-error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        System.out.println("SUMMARY " + passes + " passed, " + failures + " failed");
        return failures == 0 ? 0 : 1;
    }

    static void run() throws Exception {
        try {
            cms = detachedContent == null
                    ? new CMSSignedData(input)
                    : new CMSSignedData(new CMSProcessableByteArray(detachedContent), input);
            ok("cms", "parse");
        } catch (Exception e) {
            fail("cms", "parse", e.getClass().getSimpleName() + ": " + e.getMessage());
            return;
        }
        ASN1Primitive whole = ASN1Primitive.fromByteArray(input);
        expect(Arrays.equals(whole.getEncoded(ASN1Encoding.DL), input), "cms",
                "encoding round-trip",
                "the input is not definite-length minimal encoding; stored-byte hashes would be unreliable");
        ASN1Sequence contentInfo = ASN1Sequence.getInstance(whole);
        signedData = ASN1Sequence.getInstance(
                ASN1TaggedObject.getInstance(contentInfo.getObjectAt(1)).getExplicitBaseObject());
        ASN1Sequence encap = ASN1Sequence.getInstance(signedData.getObjectAt(2));
        eContentTypeElement = encap.getObjectAt(0);
        eContentType = ASN1ObjectIdentifier.getInstance(eContentTypeElement).getId();
        if (encap.size() > 1) {
            ASN1Encodable holder =
                    ASN1TaggedObject.getInstance(encap.getObjectAt(1)).getExplicitBaseObject();
            eContent = ASN1OctetString.getInstance(holder).getOctets();
            if (detachedContent != null) {
                fail("cms", "content", "--content given but the signature is attached");
            }
        } else {
            eContent = detachedContent;
            if (eContent == null) {
                fail("cms", "content", "detached signature: pass --content");
            }
        }
        for (int i = 3; i < signedData.size(); i++) {
            ASN1Encodable f = signedData.getObjectAt(i);
            if (f instanceof ASN1TaggedObject && ((ASN1TaggedObject) f).getTagNo() == 0) {
                certificatesSet = ASN1Set.getInstance((ASN1TaggedObject) f, false);
            } else if (f instanceof ASN1TaggedObject && ((ASN1TaggedObject) f).getTagNo() == 1) {
                crlsSet = ASN1Set.getInstance((ASN1TaggedObject) f, false);
            } else {
                signerInfosSet = ASN1Set.getInstance(f);
            }
        }
        collectPool();
        checkSignedData();

        List<SignerInformation> signers = new ArrayList<>(cms.getSignerInfos().getSigners());
        if (signers.size() != signerInfosSet.size()) {
            fail("signed-data", "signer-count", "BC found " + signers.size() + " signers");
            return;
        }
        for (int i = 0; i < signers.size(); i++) {
            RawSigner raw = new RawSigner(ASN1Sequence.getInstance(signerInfosSet.getObjectAt(i)));
            checkSigner(String.valueOf(i), signers.get(i), raw, null);
        }
    }

    static void collectPool() throws Exception {
        if (certificatesSet != null) {
            for (ASN1Encodable c : certificatesSet) {
                if (c instanceof ASN1Sequence) {
                    pool.add(new X509CertificateHolder(stored(c)));
                }
            }
        }
        for (ASN1Encodable s : signerInfosSet) {
            collectSignerPool(new RawSigner(ASN1Sequence.getInstance(s)));
        }
    }

    static void collectSignerPool(RawSigner raw) throws Exception {
        for (RawAttribute a : raw.unsigned(CERTIFICATE_VALUES)) {
            for (ASN1Encodable c : ASN1Sequence.getInstance(a.values.getObjectAt(0))) {
                pool.add(new X509CertificateHolder(stored(c)));
            }
        }
        for (RawSigner c : raw.counterSigners()) {
            collectSignerPool(c);
        }
    }

    static void checkSignedData() {
        guarded("signed-data", "version", () -> {
            int version = ASN1Integer.getInstance(signedData.getObjectAt(0)).intValueExact();
            boolean otherCerts = false;
            boolean otherCrls = false;
            boolean v3Signer = false;
            if (certificatesSet != null) {
                for (ASN1Encodable c : certificatesSet) {
                    if (c instanceof ASN1TaggedObject) {
                        int tag = ((ASN1TaggedObject) c).getTagNo();
                        otherCerts |= tag == 3;
                        v3Signer |= tag == 1 || tag == 2; // attribute certificates
                    }
                }
            }
            if (crlsSet != null) {
                for (ASN1Encodable c : crlsSet) {
                    otherCrls |= c instanceof ASN1TaggedObject;
                }
            }
            for (ASN1Encodable s : signerInfosSet) {
                v3Signer |= ASN1Integer.getInstance(ASN1Sequence.getInstance(s).getObjectAt(0))
                        .intValueExact() == 3;
            }
            int expected = otherCerts || otherCrls ? 5
                    : (v3Signer || !eContentType.equals(ID_DATA)) ? 3 : 1;
            expect(version == expected, "signed-data", "version",
                    "version " + version + ", RFC 5652 5.1 gives " + expected);
        });
        guarded("signed-data", "digest-algorithms", () -> {
            Set<String> listed = new HashSet<>();
            for (ASN1Encodable a : ASN1Set.getInstance(signedData.getObjectAt(1))) {
                listed.add(AlgorithmIdentifier.getInstance(a).getAlgorithm().getId());
            }
            String missing = null;
            for (SignerInformation s : cms.getSignerInfos().getSigners()) {
                if (!listed.contains(s.getDigestAlgOID())) {
                    missing = s.getDigestAlgOID();
                }
            }
            expect(missing == null, "signed-data", "digest-algorithms",
                    "a signer's digest algorithm " + missing + " is not listed");
        });
    }

    // --- per signer -----------------------------------------------------------------------

    static X509CertificateHolder findCertificate(SignerId sid, Store<X509CertificateHolder> first) {
        if (first != null) {
            @SuppressWarnings("unchecked")
            Collection<X509CertificateHolder> found = first.getMatches(sid);
            if (!found.isEmpty()) {
                return found.iterator().next();
            }
        }
        for (X509CertificateHolder c : pool) {
            if (sid.match(c)) {
                return c;
            }
        }
        return null;
    }

    /**
     * Checks one SignerInfo. {@code parentSignature} is null for a top-level signer and the
     * countersigned signature value octets for a countersignature (RFC 5652 11.4).
     */
    static void checkSigner(String path, SignerInformation si, RawSigner raw, byte[] parentSignature)
            throws Exception {
        String who = "signer " + path;
        X509CertificateHolder cert = findCertificate(si.getSID(), cms.getCertificates());
        if (cert == null) {
            fail(who, "certificate", "no certificate matches the SignerInfo sid");
            return;
        }
        info(who, "subject " + cert.getSubject());
        guarded(who, "signature", () -> {
            boolean good = si.verify(
                    new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(cert));
            expect(good, who, "signature", "SignerInformation.verify returned false");
        });
        guarded(who, "signature-bytes-match", () -> expect(
                Arrays.equals(si.getSignature(), raw.signature.getOctets()), who,
                "signature-bytes-match", "BC and raw parse disagree on the signature value"));
        checkSignedAttributes(who, si, raw, cert, parentSignature);

        // Signature time-stamps (3.5).
        List<TimeStampToken> sigTimestamps = new ArrayList<>();
        int n = 0;
        for (RawAttribute a : raw.unsigned(SIGNATURE_TIME_STAMP)) {
            for (ASN1Encodable v : a.values) {
                String name = "signature-time-stamp[" + n++ + "]";
                TimeStampToken token = checkToken(who, name, v);
                if (token != null) {
                    sigTimestamps.add(token);
                    TimeStampTokenInfo tst = token.getTimeStampInfo();
                    guarded(who, name + " imprint", () -> {
                        byte[] want = digest(tst.getMessageImprintAlgOID().getId(),
                                raw.signature.getOctets());
                        expect(Arrays.equals(want, tst.getMessageImprintDigest()), who,
                                name + " imprint", "imprint " + hex(tst.getMessageImprintDigest())
                                        + " != H(signature value) " + hex(want));
                    });
                }
            }
        }
        Date bestTime = null;
        for (TimeStampToken t : sigTimestamps) {
            Date d = t.getTimeStampInfo().getGenTime();
            if (bestTime == null || d.before(bestTime)) {
                bestTime = d;
            }
        }
        if (!anchors.isEmpty()) {
            Date at = bestTime != null ? bestTime : new Date();
            guarded(who, "certificate chain", () -> {
                buildPath(cert, at, pool);
                ok(who, "certificate chain");
            });
        }
        checkReferencesAndValues(who, raw, cert, bestTime, policyOid(si));
        checkArchiveTimestamps(who, raw, sigTimestamps);
        if (!raw.unsigned(ATS_V2).isEmpty()) {
            info(who, "archive-time-stamp-v2 present (not checked by this tool)");
        }

        // Countersignatures, recursively (2.4).
        List<SignerInformation> counters = new ArrayList<>(si.getCounterSignatures().getSigners());
        List<RawSigner> rawCounters = raw.counterSigners();
        if (counters.size() != rawCounters.size()) {
            fail(who, "countersignatures", "BC found " + counters.size() + " countersigners, raw "
                    + rawCounters.size());
            return;
        }
        for (int i = 0; i < counters.size(); i++) {
            checkSigner(path + "." + i, counters.get(i), rawCounters.get(i),
                    raw.signature.getOctets());
        }
    }

    static String policyOid(SignerInformation si) {
        AttributeTable signed = si.getSignedAttributes();
        if (signed == null || signed.get(new ASN1ObjectIdentifier(SIGNATURE_POLICY)) == null) {
            return null;
        }
        SignaturePolicyIdentifier spi = SignaturePolicyIdentifier.getInstance(
                signed.get(new ASN1ObjectIdentifier(SIGNATURE_POLICY)).getAttrValues()
                        .getObjectAt(0));
        return spi.getSignaturePolicyId() == null ? null
                : spi.getSignaturePolicyId().getSigPolicyId().getId();
    }

    static void checkSignedAttributes(String who, SignerInformation si, RawSigner raw,
            X509CertificateHolder cert, byte[] parentSignature) {
        if (raw.signedAttrs == null) {
            fail(who, "signed-attributes", "a CAdES signature needs signed attributes");
            return;
        }
        ASN1Set signedSet = ASN1Set.getInstance(raw.signedAttrs, false);
        guarded(who, "signed-attributes-der", () -> expect(
                Arrays.equals(signedSet.getEncoded(ASN1Encoding.DL),
                        signedSet.getEncoded(ASN1Encoding.DER)),
                who, "signed-attributes-der", "signed attributes are not in DER (sorted) order"));
        List<RawAttribute> attrs = new ArrayList<>();
        for (ASN1Encodable a : signedSet) {
            attrs.add(new RawAttribute(ASN1Sequence.getInstance(a)));
        }
        RawAttribute contentType = null;
        RawAttribute messageDigest = null;
        RawAttribute signingCertV2 = null;
        RawAttribute policy = null;
        for (RawAttribute a : attrs) {
            switch (a.oid) {
                case CONTENT_TYPE: contentType = a; break;
                case MESSAGE_DIGEST: messageDigest = a; break;
                case SIGNING_CERTIFICATE_V2: signingCertV2 = a; break;
                case SIGNATURE_POLICY: policy = a; break;
                default: break;
            }
        }
        if (parentSignature == null) {
            RawAttribute ct = contentType;
            guarded(who, "content-type", () -> expect(ct != null && ct.values.size() == 1
                    && ASN1ObjectIdentifier.getInstance(ct.values.getObjectAt(0)).getId()
                            .equals(eContentType),
                    who, "content-type", "content-type missing or != eContentType"));
        } else {
            expect(contentType == null, who, "content-type",
                    "a countersignature must not carry content-type (RFC 5652 11.4)");
        }
        RawAttribute md = messageDigest;
        guarded(who, "message-digest", () -> {
            if (md == null || md.values.size() != 1) {
                fail(who, "message-digest", "message-digest missing or multi-valued");
                return;
            }
            byte[] covered = parentSignature != null ? parentSignature : eContent;
            if (covered == null) {
                fail(who, "message-digest", "no content to digest");
                return;
            }
            byte[] want = digest(si.getDigestAlgOID(), covered);
            byte[] have = ASN1OctetString.getInstance(md.values.getObjectAt(0)).getOctets();
            expect(Arrays.equals(want, have), who, "message-digest",
                    "attribute " + hex(have) + " != H(" + (parentSignature != null
                            ? "countersigned signature" : "eContent") + ") " + hex(want));
        });
        RawAttribute scv2 = signingCertV2;
        guarded(who, "signing-certificate-v2", () -> {
            if (scv2 == null) {
                fail(who, "signing-certificate-v2", "attribute missing");
                return;
            }
            SigningCertificateV2 value = SigningCertificateV2.getInstance(scv2.values.getObjectAt(0));
            ESSCertIDv2[] ids = value.getCerts();
            if (ids.length != 1) {
                fail(who, "signing-certificate-v2", ids.length + " ESSCertIDv2 entries, want 1");
                return;
            }
            ESSCertIDv2 id = ids[0];
            byte[] want = digest(id.getHashAlgorithm().getAlgorithm().getId(), cert.getEncoded());
            if (!Arrays.equals(want, id.getCertHash())) {
                fail(who, "signing-certificate-v2", "certHash != H(signer certificate)");
                return;
            }
            String serialProblem = issuerSerialProblem(id.getIssuerSerial(), cert);
            if (id.getIssuerSerial() == null) {
                serialProblem = "issuerSerial absent";
            }
            expect(serialProblem == null, who, "signing-certificate-v2", String.valueOf(serialProblem));
            // 3.3: DEFAULT sha256 must be omitted (DER).
            ASN1Sequence idSeq = ASN1Sequence.getInstance(
                    ASN1Sequence.getInstance(ASN1Sequence.getInstance(scv2.values.getObjectAt(0))
                            .getObjectAt(0)).getObjectAt(0));
            if (idSeq.getObjectAt(0) instanceof ASN1Sequence
                    && id.getHashAlgorithm().getAlgorithm().getId().equals(SHA256)) {
                fail(who, "signing-certificate-v2 der", "DEFAULT hashAlgorithm sha256 is encoded");
            }
        });
        if (policy != null) {
            RawAttribute pol = policy;
            guarded(who, "signature-policy", () -> {
                SignaturePolicyIdentifier spi =
                        SignaturePolicyIdentifier.getInstance(pol.values.getObjectAt(0));
                SignaturePolicyId id = spi.getSignaturePolicyId();
                if (id == null) {
                    info(who, "signature-policy implied");
                    return;
                }
                String oid = id.getSigPolicyId().getId();
                info(who, "policy " + oid);
                if (Arrays.asList(TURKISH_POLICIES).contains(oid)) {
                    expect(id.getSigPolicyHash().getHashAlgorithm().getAlgorithm().getId()
                                    .equals(SHA256)
                                    && Arrays.equals(id.getSigPolicyHash().getHashValue().getOctets(), POLICY_HASH),
                            who, "signature-policy", "policy hash is not SHA-256 FF39BD29...117A");
                }
            });
        }
    }

    static String issuerSerialProblem(IssuerSerial issuerSerial, X509CertificateHolder cert) {
        if (issuerSerial == null) {
            return null;
        }
        GeneralName[] names = issuerSerial.getIssuer().getNames();
        if (names.length != 1 || names[0].getTagNo() != GeneralName.directoryName) {
            return "issuerSerial.issuer is not exactly one directoryName";
        }
        if (!X500Name.getInstance(names[0].getName()).equals(cert.getIssuer())) {
            return "issuerSerial.issuer != certificate issuer";
        }
        if (!issuerSerial.getSerial().getValue().equals(cert.getSerialNumber())) {
            return "issuerSerial.serialNumber != certificate serial";
        }
        return null;
    }

    // --- time-stamp tokens ----------------------------------------------------------------

    /** Parses and validates one TimeStampToken (ContentInfo); null when it cannot be used. */
    static TimeStampToken checkToken(String who, String name, ASN1Encodable value) {
        TimeStampToken token;
        try {
            token = new TimeStampToken(new CMSSignedData(stored(value)));
        } catch (Exception e) {
            fail(who, name + " token", "does not parse: " + e.getMessage());
            return null;
        }
        X509CertificateHolder tsa = findCertificate(token.getSID(), token.getCertificates());
        if (tsa == null) {
            fail(who, name + " token", "the TSA certificate is neither in the token nor in the signature");
            return null;
        }
        try {
            token.validate(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(tsa));
            ok(who, name + " token");
        } catch (Exception e) {
            fail(who, name + " token", e.getClass().getSimpleName() + ": " + e.getMessage());
            return null;
        }
        info(who, name + " genTime " + token.getTimeStampInfo().getGenTime().toInstant()
                + " policy " + token.getTimeStampInfo().getPolicy());
        if (!anchors.isEmpty()) {
            List<X509CertificateHolder> tokenPool = new ArrayList<>(pool);
            @SuppressWarnings("unchecked")
            Collection<X509CertificateHolder> inToken = token.getCertificates().getMatches(null);
            tokenPool.addAll(inToken);
            guarded(who, name + " chain", () -> {
                buildPath(tsa, token.getTimeStampInfo().getGenTime(), tokenPool);
                ok(who, name + " chain");
            });
        }
        return token;
    }

    static void buildPath(X509CertificateHolder target, Date at, List<X509CertificateHolder> certs)
            throws Exception {
        List<X509Certificate> all = new ArrayList<>();
        List<X509CertificateHolder> candidates = new ArrayList<>(certs);
        candidates.addAll(extraCertificates);
        for (X509CertificateHolder h : candidates) {
            all.add(converter.getCertificate(h));
        }
        X509CertSelector selector = new X509CertSelector();
        selector.setCertificate(converter.getCertificate(target));
        PKIXBuilderParameters params = new PKIXBuilderParameters(new HashSet<>(anchors), selector);
        params.addCertStore(CertStore.getInstance("Collection",
                new CollectionCertStoreParameters(all)));
        params.setRevocationEnabled(false); // revocation data is checked from the values below
        params.setDate(at);
        CertPathBuilder.getInstance("PKIX").build(params);
    }

    // --- references and values (3.6, 3.8) -------------------------------------------------

    static final class HashRef {
        final String alg;
        final byte[] value;

        HashRef(OtherHash h) {
            this.alg = h.getHashAlgorithm().getAlgorithm().getId();
            this.value = h.getHashValue();
        }

        boolean matches(byte[] data) throws Exception {
            return Arrays.equals(digest(alg, data), value);
        }
    }

    static void checkReferencesAndValues(String who, RawSigner raw, X509CertificateHolder signerCert,
            Date bestTime, String policy) throws Exception {
        List<RawAttribute> certRefs = raw.unsigned(CERTIFICATE_REFS);
        List<RawAttribute> revRefs = raw.unsigned(REVOCATION_REFS);
        List<RawAttribute> certVals = raw.unsigned(CERTIFICATE_VALUES);
        List<RawAttribute> revVals = raw.unsigned(REVOCATION_VALUES);
        if (certRefs.isEmpty() && revRefs.isEmpty() && certVals.isEmpty() && revVals.isEmpty()) {
            return;
        }
        for (String[] single : new String[][] {{"certificate-references", CERTIFICATE_REFS},
                {"revocation-references", REVOCATION_REFS}, {"certificate-values", CERTIFICATE_VALUES},
                {"revocation-values", REVOCATION_VALUES}}) {
            List<RawAttribute> found = raw.unsigned(single[1]);
            expect(found.size() == 1 && found.get(0).values.size() == 1, who, single[0] + " single",
                    found.size() + " attributes (want exactly one, single-valued)");
        }
        if (certRefs.isEmpty() || revRefs.isEmpty() || certVals.isEmpty() || revVals.isEmpty()) {
            return;
        }
        // Values: stored bytes of each certificate, CRL and BasicOCSPResponse.
        List<byte[]> certValues = new ArrayList<>();
        for (ASN1Encodable c : ASN1Sequence.getInstance(certVals.get(0).values.getObjectAt(0))) {
            certValues.add(stored(c));
        }
        List<byte[]> knownCerts = new ArrayList<>(certValues);
        if (certificatesSet != null) {
            for (ASN1Encodable c : certificatesSet) {
                knownCerts.add(stored(c));
            }
        }
        List<byte[]> crlValues = new ArrayList<>();
        List<byte[]> ocspValues = new ArrayList<>();
        ASN1Sequence rv = ASN1Sequence.getInstance(revVals.get(0).values.getObjectAt(0));
        for (ASN1Encodable f : rv) {
            ASN1TaggedObject t = ASN1TaggedObject.getInstance(f);
            ASN1Sequence list = ASN1Sequence.getInstance(t.getExplicitBaseObject());
            for (ASN1Encodable item : list) {
                if (t.getTagNo() == 0) {
                    crlValues.add(stored(item));
                } else if (t.getTagNo() == 1) {
                    ocspValues.add(stored(item));
                } else {
                    info(who, "revocation-values otherRevVals present (not checked)");
                }
            }
        }

        // complete-certificate-references -> certificate-values / SignedData.certificates.
        ASN1Sequence refs = ASN1Sequence.getInstance(certRefs.get(0).values.getObjectAt(0));
        List<byte[]> referencedCerts = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            String name = "certificate-references[" + i + "]";
            int index = i;
            guarded(who, name, () -> {
                // OtherCertID ::= SEQUENCE { otherCertHash OtherHash, issuerSerial OPTIONAL }
                ASN1Sequence id = ASN1Sequence.getInstance(refs.getObjectAt(index));
                HashRef h = new HashRef(OtherHash.getInstance(id.getObjectAt(0)));
                IssuerSerial issuerSerial =
                        id.size() > 1 ? IssuerSerial.getInstance(id.getObjectAt(1)) : null;
                byte[] match = null;
                for (byte[] c : knownCerts) {
                    if (h.matches(c)) {
                        match = c;
                    }
                }
                if (match == null) {
                    fail(who, name, "no certificate with hash " + hex(h.value));
                    return;
                }
                referencedCerts.add(match);
                String problem = issuerSerial == null ? "issuerSerial absent"
                        : issuerSerialProblem(issuerSerial, new X509CertificateHolder(match));
                expect(problem == null, who, name, String.valueOf(problem));
            });
        }
        guarded(who, "certificate-values = references", () -> {
            boolean same = certValues.size() == refs.size();
            for (byte[] c : certValues) {
                same &= containsBytes(referencedCerts, c);
            }
            expect(same, who, "certificate-values = references",
                    certValues.size() + " values vs " + refs.size() + " references");
        });

        // complete-revocation-references -> revocation-values.
        ASN1Sequence rrefs = ASN1Sequence.getInstance(revRefs.get(0).values.getObjectAt(0));
        expect(rrefs.size() == refs.size() + 1, who, "revocation-references count",
                rrefs.size() + " entries, want 1 + " + refs.size());
        List<byte[]> referencedRevocation = new ArrayList<>();
        for (int i = 0; i < rrefs.size(); i++) {
            String name = "revocation-references[" + i + "]";
            int index = i;
            guarded(who, name, () -> {
                CrlOcspRef ref = CrlOcspRef.getInstance(rrefs.getObjectAt(index));
                List<String> problems = new ArrayList<>();
                CrlListID crls = ref.getCrlids();
                if (crls != null) {
                    for (CrlValidatedID crlId : crls.getCrls()) {
                        byte[] match = resolve(new HashRef(crlId.getCrlHash()), crlValues, crlsSet);
                        if (match == null) {
                            problems.add("CRL hash " + hex(crlId.getCrlHash().getHashValue())
                                    + " not in revocation-values");
                            continue;
                        }
                        referencedRevocation.add(match);
                        String p = crlIdentifierProblem(crlId.getCrlIdentifier(), match);
                        if (p != null) {
                            problems.add(p);
                        }
                    }
                }
                OcspListID ocsps = ref.getOcspids();
                if (ocsps != null) {
                    for (OcspResponsesID ocspId : ocsps.getOcspResponses()) {
                        if (ocspId.getOcspRepHash() == null) {
                            problems.add("OCSP reference without ocspRepHash");
                            continue;
                        }
                        byte[] match = resolve(new HashRef(ocspId.getOcspRepHash()), ocspValues, null);
                        if (match == null) {
                            problems.add("OCSP hash " + hex(ocspId.getOcspRepHash().getHashValue())
                                    + " not in revocation-values (BasicOCSPResponse)");
                            continue;
                        }
                        referencedRevocation.add(match);
                        String p = ocspIdentifierProblem(ocspId.getOcspIdentifier(), match);
                        if (p != null) {
                            problems.add(p);
                        }
                    }
                }
                expect(problems.isEmpty(), who, name, String.join("; ", problems));
            });
        }
        guarded(who, "revocation-values = references", () -> {
            int unreferenced = 0;
            for (byte[] v : crlValues) {
                unreferenced += containsBytes(referencedRevocation, v) ? 0 : 1;
            }
            for (byte[] v : ocspValues) {
                unreferenced += containsBytes(referencedRevocation, v) ? 0 : 1;
            }
            expect(unreferenced == 0, who, "revocation-values = references",
                    unreferenced + " revocation value(s) not referenced");
        });
        checkRevocationValues(who, crlValues, ocspValues, signerCert, bestTime, policy);
    }

    /**
     * The stored value whose hash matches. Strict on purpose: our writer must hash the
     * BasicOCSPResponse (3.6), so a hash over the OCSPResponse wrapper (accepted by readers,
     * 10 Q7) is reported as unresolved here.
     */
    static byte[] resolve(HashRef h, List<byte[]> values, ASN1Set extra) throws Exception {
        for (byte[] v : values) {
            if (h.matches(v)) {
                return v;
            }
        }
        if (extra != null) {
            for (ASN1Encodable e : extra) {
                byte[] v = stored(e);
                if (h.matches(v)) {
                    return v;
                }
            }
        }
        return null;
    }

    static String crlIdentifierProblem(CrlIdentifier id, byte[] crlDer) throws Exception {
        if (id == null) {
            return "CrlIdentifier absent";
        }
        X509CRLHolder crl = new X509CRLHolder(crlDer);
        if (!id.getCrlIssuer().equals(crl.getIssuer())) {
            return "CrlIdentifier issuer != CRL issuer";
        }
        Date issued = id.getCrlIssuedTime().getAdjustedDate();
        if (issued.getTime() / 1000 != crl.getThisUpdate().getTime() / 1000) {
            return "crlIssuedTime != CRL thisUpdate";
        }
        Extension number = crl.getExtension(Extension.cRLNumber);
        if (number != null) {
            BigInteger want = ASN1Integer.getInstance(number.getParsedValue()).getValue();
            if (id.getCrlNumber() == null || !id.getCrlNumber().equals(want)) {
                return "crlNumber != CRL Number extension";
            }
        }
        return null;
    }

    static String ocspIdentifierProblem(OcspIdentifier id, byte[] basicDer) throws Exception {
        BasicOCSPResponse basic = BasicOCSPResponse.getInstance(basicDer);
        ResponderID inResponse = basic.getTbsResponseData().getResponderID();
        if (!Arrays.equals(stored(id.getOcspResponderID()), stored(inResponse))) {
            return "ocspResponderID != responderID of the response";
        }
        ASN1GeneralizedTime producedAt = basic.getTbsResponseData().getProducedAt();
        if (!id.getProducedAt().getDate().equals(producedAt.getDate())) {
            return "producedAt != producedAt of the response";
        }
        return null;
    }

    static void checkRevocationValues(String who, List<byte[]> crlValues, List<byte[]> ocspValues,
            X509CertificateHolder signerCert, Date bestTime, String policy) throws Exception {
        List<X509CertificateHolder> issuers = new ArrayList<>(pool);
        for (TrustAnchor a : anchors) {
            issuers.add(new X509CertificateHolder(a.getTrustedCert().getEncoded()));
        }
        for (int i = 0; i < crlValues.size(); i++) {
            String name = "revocation-values crl[" + i + "] signature";
            byte[] der = crlValues.get(i);
            guarded(who, name, () -> {
                X509CRLHolder crl = new X509CRLHolder(der);
                X509CertificateHolder issuer = null;
                for (X509CertificateHolder c : issuers) {
                    if (c.getSubject().equals(crl.getIssuer())) {
                        issuer = c;
                    }
                }
                if (issuer == null) {
                    fail(who, name, "CRL issuer certificate not found");
                    return;
                }
                expect(crl.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider("BC")
                        .build(issuer)), who, name, "CRL signature does not verify");
            });
        }
        boolean[] signerCovered = {false};
        for (int i = 0; i < ocspValues.size(); i++) {
            String name = "revocation-values ocsp[" + i + "]";
            byte[] der = ocspValues.get(i);
            guarded(who, name + " signature", () -> {
                BasicOCSPResp resp = new BasicOCSPResp(BasicOCSPResponse.getInstance(der));
                List<X509CertificateHolder> candidates = new ArrayList<>(Arrays.asList(resp.getCerts()));
                candidates.addAll(issuers);
                X509CertificateHolder responder = null;
                for (X509CertificateHolder c : candidates) {
                    if (resp.getResponderId().equals(new RespID(c.getSubjectPublicKeyInfo(),
                            digestProvider.get(RespID.HASH_SHA1)))
                            || resp.getResponderId().equals(new RespID(c.getSubject()))) {
                        responder = c;
                    }
                }
                if (responder == null) {
                    fail(who, name + " signature", "responder certificate not found");
                    return;
                }
                expect(resp.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider("BC")
                        .build(responder)), who, name + " signature", "OCSP signature does not verify");
                for (SingleResp single : resp.getResponses()) {
                    CertificateID certId = single.getCertID();
                    if (!certId.getSerialNumber().equals(signerCert.getSerialNumber())) {
                        continue;
                    }
                    X509CertificateHolder signerIssuer = null;
                    for (X509CertificateHolder c : issuers) {
                        if (c.getSubject().equals(signerCert.getIssuer())) {
                            signerIssuer = c;
                        }
                    }
                    if (signerIssuer == null || !certId.matchesIssuer(signerIssuer, digestProvider)) {
                        continue;
                    }
                    signerCovered[0] = true;
                    expect(single.getCertStatus() == null, who, "signer-ocsp status",
                            "the signer certificate is not 'good' in the embedded OCSP response");
                    if (P4_POLICY.equals(policy) && bestTime != null) {
                        // producedAt has whole-second resolution (GeneralizedTime without
                        // fraction, as responders write it); genTime may carry milliseconds.
                        Date floor = new Date(bestTime.getTime() - bestTime.getTime() % 1000);
                        expect(!resp.getProducedAt().before(floor), who,
                                "signer-ocsp after signature-time-stamp",
                                "P4: producedAt " + resp.getProducedAt().toInstant()
                                        + " is before the time-stamp " + bestTime.toInstant());
                    }
                }
            });
        }
        if (P4_POLICY.equals(policy)) {
            expect(signerCovered[0], who, "signer-ocsp present",
                    "P4 needs an OCSP response for the signer in revocation-values");
        }
    }

    // --- archive-time-stamp-v3 (3.9.1) ----------------------------------------------------

    static void checkArchiveTimestamps(String who, RawSigner raw, List<TimeStampToken> sigTimestamps)
            throws Exception {
        int n = 0;
        Date previous = null;
        int atsCount = raw.unsigned(ATS_V3).size();
        for (int position = 0; position < raw.unsigned.size(); position++) {
            RawAttribute attr = raw.unsigned.get(position);
            if (!attr.oid.equals(ATS_V3)) {
                continue;
            }
            String name = "ats-v3[" + n++ + "]";
            boolean last = n == atsCount;
            if (attr.values.size() != 1) {
                fail(who, name, "archive-time-stamp-v3 must have exactly one value");
                continue;
            }
            TimeStampToken token = checkToken(who, name, attr.values.getObjectAt(0));
            if (token == null) {
                continue;
            }
            Date genTime = token.getTimeStampInfo().getGenTime();
            Date prev = previous;
            previous = genTime;
            guarded(who, name + " order", () -> {
                boolean inOrder = prev == null || genTime.after(prev);
                for (TimeStampToken t : sigTimestamps) {
                    inOrder &= !genTime.before(t.getTimeStampInfo().getGenTime());
                }
                expect(inOrder, who, name + " order",
                        "genTime is before a signature time-stamp or the previous ATS");
            });
            int pos = position;
            guarded(who, name + " imprint", () -> checkAtsV3(who, name, raw, pos, token, last));
        }
    }

    static void checkAtsV3(String who, String name, RawSigner raw, int position, TimeStampToken token,
            boolean last) throws Exception {
        AttributeTable tokenUnsigned = token.getUnsignedAttributes();
        org.bouncycastle.asn1.cms.Attribute indexAttr = null;
        String indexOid = null;
        for (String oid : new String[] {ATS_HASH_INDEX, ATS_HASH_INDEX_V3}) {
            if (tokenUnsigned != null && tokenUnsigned.get(new ASN1ObjectIdentifier(oid)) != null) {
                indexAttr = tokenUnsigned.get(new ASN1ObjectIdentifier(oid));
                indexOid = oid;
            }
        }
        if (indexAttr == null) {
            fail(who, name + " imprint", "no ATSHashIndex unsigned attribute in the token");
            return;
        }
        info(who, name + " index " + indexOid);
        // The raw index value: AttributeTable values come from the token's parsed DLSet.
        ASN1Sequence index = ASN1Sequence.getInstance(indexAttr.getAttrValues().getObjectAt(0));
        byte[] indexDer = stored(index);
        String atsAlg = token.getTimeStampInfo().getMessageImprintAlgOID().getId();

        ByteArrayOutputStream imprintInput = new ByteArrayOutputStream();
        imprintInput.writeBytes(stored(eContentTypeElement));
        imprintInput.writeBytes(digest(atsAlg, eContent));
        for (ASN1Encodable field : raw.fields) {
            imprintInput.writeBytes(stored(field));
        }
        imprintInput.writeBytes(indexDer);
        byte[] want = digest(atsAlg, imprintInput.toByteArray());
        byte[] have = token.getTimeStampInfo().getMessageImprintDigest();
        expect(Arrays.equals(want, have), who, name + " imprint",
                "token imprint " + hex(have) + " != recomputed " + hex(want));

        // The index: [hashIndAlgorithm] certificatesHashIndex crlsHashIndex unsignedAttrsHashIndex.
        int first = 0;
        String indexAlg = SHA256;
        if (index.size() == 4) {
            indexAlg = AlgorithmIdentifier.getInstance(index.getObjectAt(0)).getAlgorithm().getId();
            first = 1;
        } else if (index.size() != 3) {
            fail(who, name + " index", "ATSHashIndex has " + index.size() + " fields");
            return;
        }
        if (indexOid.equals(ATS_HASH_INDEX_V3) && first == 0) {
            fail(who, name + " index", "ats-hash-index-v3 must carry hashIndAlgorithm");
        }
        List<byte[]> certHashes = new ArrayList<>();
        if (certificatesSet != null) {
            for (ASN1Encodable c : certificatesSet) {
                certHashes.add(digest(indexAlg, stored(c)));
            }
        }
        List<byte[]> crlHashes = new ArrayList<>();
        if (crlsSet != null) {
            for (ASN1Encodable c : crlsSet) {
                crlHashes.add(digest(indexAlg, stored(c)));
            }
        }
        checkIndexPart(who, name + " index certificates",
                ASN1Sequence.getInstance(index.getObjectAt(first)), certHashes, last);
        checkIndexPart(who, name + " index crls",
                ASN1Sequence.getInstance(index.getObjectAt(first + 1)), crlHashes, last);

        // Unsigned attributes: v1 hashes the whole Attribute; v3 hashes type || one value.
        ASN1Sequence entries = ASN1Sequence.getInstance(index.getObjectAt(first + 2));
        List<byte[]> wholeForm = new ArrayList<>();
        List<byte[]> perValueForm = new ArrayList<>();
        List<List<byte[]>> coveredBefore = new ArrayList<>();
        for (int i = 0; i < raw.unsigned.size(); i++) {
            RawAttribute a = raw.unsigned.get(i);
            byte[] whole = digest(indexAlg, stored(a.seq));
            wholeForm.add(whole);
            List<byte[]> forms = new ArrayList<>();
            forms.add(whole);
            for (ASN1Encodable v : a.values) {
                byte[] one = digest(indexAlg, concat(stored(a.seq.getObjectAt(0)), stored(v)));
                perValueForm.add(one);
                forms.add(one);
            }
            if (i < position) {
                coveredBefore.add(forms);
            }
        }
        List<String> problems = new ArrayList<>();
        List<byte[]> entryList = new ArrayList<>();
        int wholeMatches = 0;
        int valueMatches = 0;
        for (ASN1Encodable e : entries) {
            byte[] h = ASN1OctetString.getInstance(e).getOctets();
            entryList.add(h);
            if (containsBytes(wholeForm, h)) {
                wholeMatches++;
            } else if (containsBytes(perValueForm, h)) {
                valueMatches++;
            } else {
                problems.add("entry " + hex(h) + " matches no unsigned attribute");
            }
        }
        for (int i = 0; i < coveredBefore.size(); i++) {
            boolean covered = false;
            for (byte[] form : coveredBefore.get(i)) {
                covered |= containsBytes(entryList, form);
            }
            if (!covered) {
                problems.add("unsigned attribute #" + i + " (" + raw.unsigned.get(i).oid
                        + ") stored before the ATS is not covered");
            }
        }
        info(who, name + " unsigned index entries: " + wholeMatches + " whole-attribute, "
                + valueMatches + " per-value");
        expect(problems.isEmpty(), who, name + " index unsigned-attributes", String.join("; ", problems));
    }

    static void checkIndexPart(String who, String check, ASN1Sequence entries, List<byte[]> present,
            boolean exact) {
        List<String> problems = new ArrayList<>();
        List<byte[]> listed = new ArrayList<>();
        for (ASN1Encodable e : entries) {
            byte[] h = ASN1OctetString.getInstance(e).getOctets();
            listed.add(h);
            if (!containsBytes(present, h)) {
                problems.add("entry " + hex(h) + " matches nothing stored");
            }
        }
        if (exact) {
            for (byte[] p : present) {
                if (!containsBytes(listed, p)) {
                    problems.add("stored item " + hex(p) + " is not covered by the last ATS");
                }
            }
        }
        expect(problems.isEmpty(), who, check, String.join("; ", problems));
    }
}
