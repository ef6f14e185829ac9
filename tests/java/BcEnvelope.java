import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FileReader;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSAuthEnvelopedData;
import org.bouncycastle.cms.CMSAuthEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSEnvelopedDataParser;
import org.bouncycastle.cms.CMSEnvelopedDataStreamGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSTypedStream;
import org.bouncycastle.cms.KeyTransRecipientInformation;
import org.bouncycastle.cms.Recipient;
import org.bouncycastle.cms.RecipientInfoGenerator;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.cms.RecipientInformationStore;
import org.bouncycastle.cms.SimpleAttributeTableGenerator;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyAgreeEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyAgreeRecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JceKeyTransAuthEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OutputAEADEncryptor;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaAlgorithmParametersConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/**
 * BouncyCastle interop peer for the encryption tests (signatures.md §7).
 *
 * <pre>
 * decrypt &lt;envelope.der&gt; (&lt;key.pem&gt; &lt;cert.pem&gt; &lt;out&gt;)...
 *     For each key: streams EnvelopedData through CMSEnvelopedDataParser, or opens AuthEnvelopedData with
 *     CMSAuthEnvelopedData; selects the recipient matching the certificate.
 * encrypt &lt;in&gt; &lt;out&gt; &lt;cbc|gcm|gcm-authattrs|des3|rc2|des&gt;[-explicit-ec] &lt;cert.pem&gt;...
 *     RSA recipients: RSAES-OAEP SHA-256 / MGF1-SHA-256; EC recipients: ECDH SHA-256 KDF with
 *     AES-256 wrap and a fresh ephemeral key. cbc streams (CMSEnvelopedDataStreamGenerator,
 *     indefinite-length BER); gcm makes AuthEnvelopedData; gcm-authattrs adds one
 *     authenticated attribute (so the AAD is not empty); des3/rc2/des make weak envelopes.
 *     The ephemeral EC key is generated on the named curve (BC then writes namedCurve
 *     parameters); with the -explicit-ec suffix from the certificate's ECParameterSpec, which
 *     makes BC write the curve as explicit (specifiedCurve) parameters.
 * </pre>
 * Prints "OK" on success; exceptions exit with status 1.
 */
public final class BcEnvelope {
    private BcEnvelope() {
    }

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        if (args.length >= 5 && (args.length - 2) % 3 == 0 && args[0].equals("decrypt")) {
            for (int i = 2; i < args.length; i += 3) {
                decrypt(args[1], args[i], args[i + 1], args[i + 2]);
            }
        } else if (args.length >= 5 && args[0].equals("encrypt")) {
            List<X509Certificate> certs = new ArrayList<>();
            for (int i = 4; i < args.length; i++) {
                certs.add(readCert(args[i]));
            }
            encrypt(args[1], args[2], args[3], certs);
        } else {
            System.err.println("usage: decrypt ENV (KEY CERT OUT)... | encrypt IN OUT MODE CERT...");
            System.exit(2);
        }
        System.out.println("OK");
    }

    private static X509Certificate readCert(String path) throws Exception {
        try (InputStream in = new FileInputStream(path)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static PrivateKey readKey(String path) throws Exception {
        try (PEMParser parser = new PEMParser(new FileReader(path))) {
            Object object = parser.readObject();
            return new JcaPEMKeyConverter().setProvider("BC").getPrivateKey((PrivateKeyInfo) object);
        }
    }

    private static void decrypt(String envelope, String keyPath, String certPath, String outPath)
            throws Exception {
        PrivateKey key = readKey(keyPath);
        X509CertificateHolder cert = new X509CertificateHolder(readCert(certPath).getEncoded());
        byte[] head = new byte[32];
        try (InputStream in = new FileInputStream(envelope)) {
            in.read(head);
        }
        byte[] authOid = new ASN1ObjectIdentifier(CMSObjectIdentifiers.authEnvelopedData.getId())
                .getEncoded();
        boolean auth = indexOf(head, authOid) >= 0;
        if (auth) {
            CMSAuthEnvelopedData data =
                    new CMSAuthEnvelopedData(Files.readAllBytes(Paths.get(envelope)));
            RecipientInformation info = find(data.getRecipientInfos(), cert);
            Recipient recipient = info instanceof KeyTransRecipientInformation
                    ? new JceKeyTransAuthEnvelopedRecipient(key).setProvider("BC")
                    : new JceKeyAgreeEnvelopedRecipient(key).setProvider("BC");
            Files.write(Paths.get(outPath), info.getContent(recipient));
            return;
        }
        try (InputStream in = new BufferedInputStream(new FileInputStream(envelope), 1 << 16)) {
            CMSEnvelopedDataParser parser = new CMSEnvelopedDataParser(in);
            RecipientInformation info = find(parser.getRecipientInfos(), cert);
            Recipient recipient = info instanceof KeyTransRecipientInformation
                    ? new JceKeyTransEnvelopedRecipient(key).setProvider("BC")
                    : new JceKeyAgreeEnvelopedRecipient(key).setProvider("BC");
            CMSTypedStream stream = info.getContentStream(recipient);
            try (InputStream content = stream.getContentStream();
                 OutputStream out = new BufferedOutputStream(new FileOutputStream(outPath))) {
                byte[] buffer = new byte[1 << 16];
                int count;
                while ((count = content.read(buffer)) >= 0) {
                    out.write(buffer, 0, count);
                }
            }
        }
    }

    private static int indexOf(byte[] data, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= data.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static RecipientInformation find(RecipientInformationStore store, X509CertificateHolder cert) {
        Collection<RecipientInformation> all = store.getRecipients();
        for (RecipientInformation info : all) {
            if (info.getRID().match(cert)) {
                return info;
            }
        }
        throw new IllegalStateException("no RecipientInfo for " + cert.getSubject());
    }

    private static List<RecipientInfoGenerator> generators(List<X509Certificate> certs,
            boolean explicitCurve) throws Exception {
        List<RecipientInfoGenerator> result = new ArrayList<>();
        for (X509Certificate cert : certs) {
            if (cert.getPublicKey() instanceof ECPublicKey) {
                ECPublicKey publicKey = (ECPublicKey) cert.getPublicKey();
                KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", "BC");
                if (explicitCurve) {
                    // ECParameterSpec from the certificate: BC then writes specifiedCurve params.
                    generator.initialize(publicKey.getParams());
                } else {
                    ASN1ObjectIdentifier curve = ASN1ObjectIdentifier.getInstance(
                            SubjectPublicKeyInfo.getInstance(publicKey.getEncoded())
                                    .getAlgorithm().getParameters());
                    generator.initialize(new ECGenParameterSpec(curve.getId()));
                }
                KeyPair ephemeral = generator.generateKeyPair();
                result.add(new JceKeyAgreeRecipientInfoGenerator(CMSAlgorithm.ECDH_SHA256KDF,
                        ephemeral.getPrivate(), ephemeral.getPublic(), CMSAlgorithm.AES256_WRAP)
                        .addRecipient(cert).setProvider("BC"));
            } else {
                AlgorithmIdentifier oaep = new JcaAlgorithmParametersConverter().getAlgorithmIdentifier(
                        PKCSObjectIdentifiers.id_RSAES_OAEP,
                        new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
                                PSource.PSpecified.DEFAULT));
                result.add(new JceKeyTransRecipientInfoGenerator(cert, oaep).setProvider("BC"));
            }
        }
        return result;
    }

    private static void encrypt(String inPath, String outPath, String mode, List<X509Certificate> certs)
            throws Exception {
        boolean explicitCurve = mode.endsWith("-explicit-ec");
        if (explicitCurve) {
            mode = mode.substring(0, mode.length() - "-explicit-ec".length());
        }
        List<RecipientInfoGenerator> recipients = generators(certs, explicitCurve);
        if (mode.startsWith("gcm")) {
            CMSAuthEnvelopedDataGenerator generator = new CMSAuthEnvelopedDataGenerator();
            for (RecipientInfoGenerator recipient : recipients) {
                generator.addRecipientInfoGenerator(recipient);
            }
            if (mode.equals("gcm-authattrs")) {
                // content-type attribute (RFC 5652 §11.1): a well-formed, non-empty AAD.
                Attribute attribute = new Attribute(CMSAttributes.contentType,
                        new DERSet(CMSObjectIdentifiers.data));
                generator.setAuthenticatedAttributeGenerator(
                        new SimpleAttributeTableGenerator(new AttributeTable(attribute)));
            }
            OutputAEADEncryptor encryptor = (OutputAEADEncryptor) new JceCMSContentEncryptorBuilder(
                    CMSAlgorithm.AES256_GCM).setProvider("BC").build();
            byte[] data = Files.readAllBytes(Paths.get(inPath));
            Files.write(Paths.get(outPath),
                    generator.generate(new CMSProcessableByteArray(data), encryptor).getEncoded());
            return;
        }
        ASN1ObjectIdentifier cipher;
        switch (mode) {
            case "cbc": cipher = CMSAlgorithm.AES256_CBC; break;
            case "des3": cipher = CMSAlgorithm.DES_EDE3_CBC; break;
            case "rc2": cipher = CMSAlgorithm.RC2_CBC; break;
            case "des": cipher = CMSAlgorithm.DES_CBC; break;
            default: throw new IllegalArgumentException("unknown mode " + mode);
        }
        CMSEnvelopedDataStreamGenerator generator = new CMSEnvelopedDataStreamGenerator();
        for (RecipientInfoGenerator recipient : recipients) {
            generator.addRecipientInfoGenerator(recipient);
        }
        OutputEncryptor encryptor = new JceCMSContentEncryptorBuilder(cipher).setProvider("BC").build();
        try (InputStream in = new BufferedInputStream(new FileInputStream(inPath), 1 << 16);
             OutputStream file = new BufferedOutputStream(new FileOutputStream(outPath), 1 << 16)) {
            try (OutputStream out = generator.open(file, encryptor)) {
                byte[] buffer = new byte[1 << 16];
                int count;
                while ((count = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, count);
                }
            }
        }
    }
}
