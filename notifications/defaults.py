"""Default message texts per event (Bahasa Indonesia). The admin edits them as MessageTemplate rows."""

from .models import Event

DEFAULT_BODIES: dict[str, str] = {
    Event.RECEIVED: (
        "Yth. {nama}, permohonan {jenis_dokumen} Anda telah kami terima dengan nomor registrasi {nomor}. "
        "Simpan nomor ini untuk menanyakan status. Petugas akan memeriksa persyaratan Anda."
    ),
    Event.REVISION_REQUIRED: (
        "Yth. {nama}, permohonan {jenis_dokumen} nomor {nomor} perlu perbaikan:\n{kekurangan}\n"
        "Mohon kirim ulang foto persyaratan tersebut ke nomor WhatsApp petugas ini."
    ),
    Event.VERIFIED: "Yth. {nama}, persyaratan permohonan {jenis_dokumen} nomor {nomor} sudah lengkap dan sedang kami proses.",
    Event.READY_PICKUP: (
        "Yth. {nama}, {jenis_dokumen} Anda (nomor {nomor}) sudah jadi dan dapat diambil di {tempat_ambil} "
        "pada jam kerja. Bawa KTP-el atau KK asli."
    ),
    Event.READY_PEMDES: (
        "Yth. {nama}, {jenis_dokumen} Anda (nomor {nomor}) sudah jadi dan akan diantar ke Kantor Desa {desa}. "
        "Kami kabari lagi saat dokumen tiba di desa."
    ),
    Event.DISPATCHED: "Yth. {nama}, {jenis_dokumen} Anda (nomor {nomor}) sedang diantar ke Kantor Desa {desa} pada {tanggal}.",
    Event.AT_DESA: (
        "Yth. {nama}, {jenis_dokumen} Anda (nomor {nomor}) sudah tiba dan dapat diambil di Kantor Desa {desa}. "
        "Bawa KTP-el atau KK asli."
    ),
    Event.REJECTED: "Yth. {nama}, mohon maaf, permohonan {jenis_dokumen} nomor {nomor} tidak dapat diproses: {alasan}",
    Event.RECORDING_BOOKED: (
        "Yth. {nama}, perekaman KTP-el Anda dijadwalkan pada {tanggal} di kantor Disdukcapil. "
        "Datang dengan masker dan bawa KK asli."
    ),
    Event.RECORDING_DECLINED: "Yth. {nama}, mohon maaf, perekaman KTP-el belum dapat dijadwalkan: {alasan}",
    Event.SHIFT_REMINDER: "Pengingat: besok, {tanggal}, jadwal Anda masuk kantor.",
}
